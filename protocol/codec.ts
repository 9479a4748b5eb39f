/**
 * Binary codec: Frame <-> bytes (header + payload + truncated HMAC).
 * Decoding never throws on bad input: it returns {ok:false, reason}.
 *
 * Firmware imports only the direction it needs (encodeUplinkFrame,
 * decodeDownlinkFrame) so the other direction's code stays out of the image;
 * the gateway and tools use encodeFrame/decodeFrame for both.
 */
import { readU32, writeU32 } from "./bytes.js";
import {
  DOWNLINK_BIT,
  HEADER_LENGTH,
  MAC_LENGTH,
  MAX_FRAME_LENGTH,
  MIN_FRAME_LENGTH,
  OFFSET_COUNTER,
  OFFSET_DEVICE_ID,
  OFFSET_TYPE,
  OFFSET_VERSION_FLAGS,
  PROTOCOL_VERSION,
} from "./constants.js";
import { computeMac, type HmacFn, macMatches } from "./hmac.js";
import type { DownlinkMsg, Frame, Msg, UplinkMsg } from "./messages.js";
import {
  decodeDownlinkPayload,
  decodeOtaDownlinkPayload,
  downlinkTypeCode,
  encodeDownlinkPayload,
  isOtaDownlinkType,
} from "./payload-downlink.js";
import {
  decodeUplinkPayload,
  encodeUplinkPayload,
  type PayloadError,
  uplinkTypeCode,
} from "./payload-uplink.js";

export function isDownlinkType(code: number): boolean {
  return (code & DOWNLINK_BIT) !== 0;
}

export function isDownlinkMsg(msg: Msg): msg is DownlinkMsg {
  return (
    msg.type === "ack" ||
    msg.type === "relay" ||
    msg.type === "sound" ||
    msg.type === "group-sound" ||
    msg.type === "config" ||
    msg.type === "time-sync" ||
    msg.type === "ota-begin" ||
    msg.type === "ota-chunk" ||
    msg.type === "ota-control"
  );
}

export function typeCode(msg: Msg): number {
  return isDownlinkMsg(msg) ? downlinkTypeCode(msg) : uplinkTypeCode(msg);
}

/**
 * Header + payload + MAC for a frame of message type `code`. Firmware calls it
 * with a payload from one of the per-type encoders (payload-uplink.ts), so its
 * image holds no encoder it does not use.
 */
export function sealFrameBytes(
  deviceId: number,
  counter: number,
  flags: number,
  code: number,
  payload: Uint8Array,
  key: Uint8Array,
  hmac: HmacFn,
): Uint8Array {
  const out = new Uint8Array(HEADER_LENGTH + payload.length + MAC_LENGTH);
  out[OFFSET_VERSION_FLAGS] = ((PROTOCOL_VERSION & 0xf) << 4) | (flags & 0xf);
  out[OFFSET_TYPE] = code;
  writeU32(out, OFFSET_DEVICE_ID, deviceId >>> 0);
  writeU32(out, OFFSET_COUNTER, counter >>> 0);
  out.set(payload, HEADER_LENGTH);
  const signedLen = HEADER_LENGTH + payload.length;
  out.set(computeMac(hmac, key, out.subarray(0, signedLen)), signedLen);
  return out;
}

function sealFrame(
  frame: Frame,
  code: number,
  payload: Uint8Array,
  key: Uint8Array,
  hmac: HmacFn,
): Uint8Array {
  return sealFrameBytes(frame.deviceId, frame.counter, frame.flags, code, payload, key, hmac);
}

/** Encodes and signs an uplink frame (what a device sends). */
export function encodeUplinkFrame(
  frame: Frame & { msg: UplinkMsg },
  key: Uint8Array,
  hmac: HmacFn,
): Uint8Array {
  return sealFrame(frame, uplinkTypeCode(frame.msg), encodeUplinkPayload(frame.msg), key, hmac);
}

/** Encodes and signs a downlink frame (what the gateway sends). */
export function encodeDownlinkFrame(
  frame: Frame & { msg: DownlinkMsg },
  key: Uint8Array,
  hmac: HmacFn,
): Uint8Array {
  return sealFrame(frame, downlinkTypeCode(frame.msg), encodeDownlinkPayload(frame.msg), key, hmac);
}

/** Encodes and signs a frame of either direction. At most MAX_FRAME_LENGTH bytes. */
export function encodeFrame(frame: Frame, key: Uint8Array, hmac: HmacFn): Uint8Array {
  const msg = frame.msg;
  if (isDownlinkMsg(msg)) {
    return sealFrame(frame, downlinkTypeCode(msg), encodeDownlinkPayload(msg), key, hmac);
  }
  return sealFrame(frame, uplinkTypeCode(msg), encodeUplinkPayload(msg), key, hmac);
}

export type DecodeFailure = {
  ok: false;
  reason: "short" | "oversize" | "version" | "unknown-type" | "length" | "value";
  /** Device id when the header was readable, for counting per device. */
  deviceId?: number;
};

export type DecodeResult = { ok: true; frame: Frame } | DecodeFailure;

type PayloadDecoder = (code: number, p: Uint8Array) => Msg | PayloadError;

function decodeWith(bytes: Uint8Array, decode: PayloadDecoder): DecodeResult {
  if (bytes.length < MIN_FRAME_LENGTH) return { ok: false, reason: "short" };
  if (bytes.length > MAX_FRAME_LENGTH) return { ok: false, reason: "oversize" };
  const vf = bytes[OFFSET_VERSION_FLAGS] as number;
  const deviceId = readU32(bytes, OFFSET_DEVICE_ID);
  if (vf >> 4 !== PROTOCOL_VERSION) return { ok: false, reason: "version", deviceId: deviceId };
  const code = bytes[OFFSET_TYPE] as number;
  const msg = decode(code, bytes.subarray(HEADER_LENGTH, bytes.length - MAC_LENGTH));
  if (typeof msg === "string") return { ok: false, reason: msg, deviceId: deviceId };
  return {
    ok: true,
    frame: {
      deviceId: deviceId,
      counter: readU32(bytes, OFFSET_COUNTER),
      flags: vf & 0xf,
      msg: msg,
    },
  };
}

function decodeAnyPayload(code: number, p: Uint8Array): Msg | PayloadError {
  if (isOtaDownlinkType(code)) return decodeOtaDownlinkPayload(code, p);
  return isDownlinkType(code) ? decodeDownlinkPayload(code, p) : decodeUplinkPayload(code, p);
}

/**
 * Decodes the header and payload of a frame of either direction. The MAC is
 * not checked here: the caller looks the device's key up by deviceId and calls
 * {@link verifyFrame}.
 */
export function decodeFrame(bytes: Uint8Array): DecodeResult {
  return decodeWith(bytes, decodeAnyPayload);
}

/**
 * Decodes a frame a device receives; an uplink type is "unknown-type", and so
 * is a TYPE_OTA_* one (devices read those raw; decodeFrame decodes them).
 */
export function decodeDownlinkFrame(bytes: Uint8Array): DecodeResult {
  return decodeWith(bytes, decodeDownlinkPayload);
}

/** Decodes a frame the gateway receives; a downlink type is "unknown-type". */
export function decodeUplinkFrame(bytes: Uint8Array): DecodeResult {
  return decodeWith(bytes, decodeUplinkPayload);
}

/** True when the frame's MAC matches `key`. */
export function verifyFrame(bytes: Uint8Array, key: Uint8Array, hmac: HmacFn): boolean {
  if (bytes.length < MIN_FRAME_LENGTH) return false;
  const signedLen = bytes.length - MAC_LENGTH;
  return macMatches(hmac, key, bytes.subarray(0, signedLen), bytes.subarray(signedLen));
}
