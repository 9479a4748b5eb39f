/**
 * Binary codec: Frame <-> bytes (header + payload + truncated HMAC).
 * Decoding never throws on bad input: it returns {ok:false, reason}.
 */
import {
  clampInt,
  clampUint,
  readI16,
  readI32,
  readU16,
  readU32,
  writeU16,
  writeU32,
} from "./bytes.js";
import {
  DOWNLINK_BIT,
  HEADER_LENGTH,
  MAC_LENGTH,
  MAX_CONFIG_ENTRIES,
  MAX_FRAME_LENGTH,
  MAX_PORT_ENERGY_WH,
  MAX_PORT_POWER_W,
  MAX_PORTS,
  MIN_FRAME_LENGTH,
  OFFSET_COUNTER,
  OFFSET_DEVICE_ID,
  OFFSET_TYPE,
  OFFSET_VERSION_FLAGS,
  PROTOCOL_VERSION,
  TYPE_ACK,
  TYPE_CHARGER_EVENT,
  TYPE_CHARGER_TELEMETRY,
  TYPE_COMMAND_ACK,
  TYPE_CONFIG,
  TYPE_GUARDIAN_ACTIVITY,
  TYPE_RELAY,
  TYPE_SMOKE_EVENT,
  TYPE_SOUND,
  TYPE_STATUS,
  TYPE_TIME_SYNC,
} from "./constants.js";
import { computeMac, type HmacFn, macMatches } from "./hmac.js";
import type { Frame, Msg, PortReading } from "./messages.js";

export function typeCode(msg: Msg): number {
  switch (msg.type) {
    case "status":
      return TYPE_STATUS;
    case "smoke-event":
      return TYPE_SMOKE_EVENT;
    case "charger-telemetry":
      return TYPE_CHARGER_TELEMETRY;
    case "charger-event":
      return TYPE_CHARGER_EVENT;
    case "guardian-activity":
      return TYPE_GUARDIAN_ACTIVITY;
    case "command-ack":
      return TYPE_COMMAND_ACK;
    case "ack":
      return TYPE_ACK;
    case "relay":
      return TYPE_RELAY;
    case "sound":
      return TYPE_SOUND;
    case "config":
      return TYPE_CONFIG;
    case "time-sync":
      return TYPE_TIME_SYNC;
  }
}

export function isDownlinkType(code: number): boolean {
  return (code & DOWNLINK_BIT) !== 0;
}

/** Bytes of packed port data for n ports: 28 bits each, padded to a whole byte. */
function portBytes(n: number): number {
  return Math.ceil((n * 28) / 8);
}

function encodePayload(msg: Msg): Uint8Array {
  let p: Uint8Array;
  switch (msg.type) {
    case "status":
      p = new Uint8Array(11);
      p[0] = msg.deviceKind & 0xff;
      writeU16(p, 1, clampUint(msg.batteryMv, 0xffff));
      p[3] = msg.fwMajor & 0xff;
      p[4] = msg.fwMinor & 0xff;
      p[5] = msg.fwPatch & 0xff;
      writeU32(p, 6, clampUint(msg.uptimeS, 0xffffffff));
      p[10] = msg.resetCause & 0xff;
      return p;
    case "smoke-event":
      p = new Uint8Array(7);
      p[0] = msg.event & 0xff;
      writeU16(p, 1, clampUint(msg.smokeLevel, 0xffff));
      writeU16(p, 3, clampUint(msg.batteryMv, 0xffff));
      writeU16(p, 5, msg.eventId & 0xffff);
      return p;
    case "charger-telemetry":
      return encodeTelemetry(msg.tempDeciC, msg.ports);
    case "charger-event":
      p = new Uint8Array(11);
      p[0] = msg.port & 0xff;
      p[1] = msg.event & 0xff;
      p[2] = msg.reason & 0xff;
      writeU16(p, 3, clampUint(msg.powerW, 0xffff));
      writeU16(p, 5, clampInt(msg.tempDeciC, -32768, 32767) & 0xffff);
      writeU32(p, 7, clampUint(msg.sessionS, 0xffffffff));
      return p;
    case "guardian-activity":
      p = new Uint8Array(8);
      writeU16(p, 0, clampUint(msg.doorOpens, 0xffff));
      writeU16(p, 2, clampUint(msg.motionCount, 0xffff));
      writeU16(p, 4, clampUint(msg.idleS, 0xffff));
      writeU16(p, 6, clampUint(msg.batteryMv, 0xffff));
      return p;
    case "command-ack":
      p = new Uint8Array(5);
      writeU32(p, 0, msg.ackedCounter >>> 0);
      p[4] = msg.result & 0xff;
      return p;
    case "ack":
      p = new Uint8Array(4);
      writeU32(p, 0, msg.ackedCounter >>> 0);
      return p;
    case "relay":
      p = new Uint8Array(3);
      p[0] = msg.port & 0xff;
      p[1] = msg.on ? 1 : 0;
      p[2] = msg.reason & 0xff;
      return p;
    case "sound":
      p = new Uint8Array(7);
      p[0] = msg.mode & 0xff;
      writeU16(p, 1, clampUint(msg.durationS, 0xffff));
      writeU32(p, 3, msg.sourceDeviceId >>> 0);
      return p;
    case "config": {
      const n = Math.min(msg.entries.length, MAX_CONFIG_ENTRIES);
      p = new Uint8Array(1 + n * 5);
      p[0] = n;
      for (let i = 0; i < n; i++) {
        const e = msg.entries[i]!;
        p[1 + i * 5] = e.key & 0xff;
        writeU32(p, 2 + i * 5, clampInt(e.value, -2147483648, 2147483647) >>> 0);
      }
      return p;
    }
    case "time-sync":
      p = new Uint8Array(4);
      writeU32(p, 0, msg.unixS >>> 0);
      return p;
  }
}

/**
 * Telemetry payload: u16 [portCount:4 | relayMask:12], i16 tempDeciC, then per
 * port 28 bits [power:12 | energy:12 | state:4], most significant bit first.
 */
function encodeTelemetry(tempDeciC: number, ports: PortReading[]): Uint8Array {
  const n = Math.min(ports.length, MAX_PORTS);
  const p = new Uint8Array(4 + portBytes(n));
  let relayMask = 0;
  for (let i = 0; i < n; i++) if (ports[i]!.relayOn) relayMask |= 1 << i;
  writeU16(p, 0, ((n & 0xf) << 12) | relayMask);
  writeU16(p, 2, clampInt(tempDeciC, -32768, 32767) & 0xffff);
  let bit = 32;
  for (let i = 0; i < n; i++) {
    const port = ports[i]!;
    bit = putBits(p, bit, clampUint(port.powerW, MAX_PORT_POWER_W), 12);
    bit = putBits(p, bit, clampUint(port.energyWh, MAX_PORT_ENERGY_WH), 12);
    bit = putBits(p, bit, port.state & 0xf, 4);
  }
  return p;
}

function putBits(buf: Uint8Array, bit: number, value: number, width: number): number {
  for (let i = width - 1; i >= 0; i--) {
    if ((value >> i) & 1) {
      const idx = bit >> 3;
      buf[idx] = (buf[idx] as number) | (0x80 >> (bit & 7));
    }
    bit++;
  }
  return bit;
}

function getBits(buf: Uint8Array, bit: number, width: number): number {
  let v = 0;
  for (let i = 0; i < width; i++) {
    const b = ((buf[(bit + i) >> 3] as number) >> (7 - ((bit + i) & 7))) & 1;
    v = (v << 1) | b;
  }
  return v;
}

/** Encodes and signs a frame. The result is at most MAX_FRAME_LENGTH bytes. */
export function encodeFrame(frame: Frame, key: Uint8Array, hmac: HmacFn): Uint8Array {
  const payload = encodePayload(frame.msg);
  const out = new Uint8Array(HEADER_LENGTH + payload.length + MAC_LENGTH);
  out[OFFSET_VERSION_FLAGS] = ((PROTOCOL_VERSION & 0xf) << 4) | (frame.flags & 0xf);
  out[OFFSET_TYPE] = typeCode(frame.msg);
  writeU32(out, OFFSET_DEVICE_ID, frame.deviceId >>> 0);
  writeU32(out, OFFSET_COUNTER, frame.counter >>> 0);
  out.set(payload, HEADER_LENGTH);
  const signedLen = HEADER_LENGTH + payload.length;
  out.set(computeMac(hmac, key, out.subarray(0, signedLen)), signedLen);
  return out;
}

export type DecodeResult =
  | { ok: true; frame: Frame }
  | {
      ok: false;
      reason: "short" | "oversize" | "version" | "unknown-type" | "length" | "value";
      /** Device id when the header was readable, for counting per device. */
      deviceId?: number;
    };

/**
 * Decodes the header and payload. The MAC is not checked here: the caller looks
 * the device's key up by deviceId and calls {@link verifyFrame}.
 */
export function decodeFrame(bytes: Uint8Array): DecodeResult {
  if (bytes.length < MIN_FRAME_LENGTH) return { ok: false, reason: "short" };
  if (bytes.length > MAX_FRAME_LENGTH) return { ok: false, reason: "oversize" };
  const vf = bytes[OFFSET_VERSION_FLAGS] as number;
  const deviceId = readU32(bytes, OFFSET_DEVICE_ID);
  if (vf >> 4 !== PROTOCOL_VERSION) return { ok: false, reason: "version", deviceId: deviceId };
  const code = bytes[OFFSET_TYPE] as number;
  const payload = bytes.subarray(HEADER_LENGTH, bytes.length - MAC_LENGTH);
  const msg = decodePayload(code, payload);
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

/** True when the frame's MAC matches `key`. */
export function verifyFrame(bytes: Uint8Array, key: Uint8Array, hmac: HmacFn): boolean {
  if (bytes.length < MIN_FRAME_LENGTH) return false;
  const signedLen = bytes.length - MAC_LENGTH;
  return macMatches(hmac, key, bytes.subarray(0, signedLen), bytes.subarray(signedLen));
}

function decodePayload(code: number, p: Uint8Array): Msg | "unknown-type" | "length" | "value" {
  switch (code) {
    case TYPE_STATUS:
      if (p.length !== 11) return "length";
      return {
        type: "status",
        deviceKind: p[0] as number,
        batteryMv: readU16(p, 1),
        fwMajor: p[3] as number,
        fwMinor: p[4] as number,
        fwPatch: p[5] as number,
        uptimeS: readU32(p, 6),
        resetCause: p[10] as number,
      };
    case TYPE_SMOKE_EVENT:
      if (p.length !== 7) return "length";
      return {
        type: "smoke-event",
        event: p[0] as number,
        smokeLevel: readU16(p, 1),
        batteryMv: readU16(p, 3),
        eventId: readU16(p, 5),
      };
    case TYPE_CHARGER_TELEMETRY: {
      if (p.length < 4) return "length";
      const head = readU16(p, 0);
      const n = head >> 12;
      if (n > MAX_PORTS) return "value";
      if (p.length !== 4 + portBytes(n)) return "length";
      const ports: PortReading[] = [];
      let bit = 32;
      for (let i = 0; i < n; i++) {
        const powerW = getBits(p, bit, 12);
        const energyWh = getBits(p, bit + 12, 12);
        const state = getBits(p, bit + 24, 4);
        bit += 28;
        ports.push({
          powerW: powerW,
          energyWh: energyWh,
          state: state,
          relayOn: ((head >> i) & 1) === 1,
        });
      }
      return { type: "charger-telemetry", tempDeciC: readI16(p, 2), ports: ports };
    }
    case TYPE_CHARGER_EVENT:
      if (p.length !== 11) return "length";
      return {
        type: "charger-event",
        port: p[0] as number,
        event: p[1] as number,
        reason: p[2] as number,
        powerW: readU16(p, 3),
        tempDeciC: readI16(p, 5),
        sessionS: readU32(p, 7),
      };
    case TYPE_GUARDIAN_ACTIVITY:
      if (p.length !== 8) return "length";
      return {
        type: "guardian-activity",
        doorOpens: readU16(p, 0),
        motionCount: readU16(p, 2),
        idleS: readU16(p, 4),
        batteryMv: readU16(p, 6),
      };
    case TYPE_COMMAND_ACK:
      if (p.length !== 5) return "length";
      return { type: "command-ack", ackedCounter: readU32(p, 0), result: p[4] as number };
    case TYPE_ACK:
      if (p.length !== 4) return "length";
      return { type: "ack", ackedCounter: readU32(p, 0) };
    case TYPE_RELAY:
      if (p.length !== 3) return "length";
      if ((p[1] as number) > 1) return "value";
      return { type: "relay", port: p[0] as number, on: p[1] === 1, reason: p[2] as number };
    case TYPE_SOUND:
      if (p.length !== 7) return "length";
      return {
        type: "sound",
        mode: p[0] as number,
        durationS: readU16(p, 1),
        sourceDeviceId: readU32(p, 3),
      };
    case TYPE_CONFIG: {
      if (p.length < 1) return "length";
      const n = p[0] as number;
      if (n > MAX_CONFIG_ENTRIES) return "value";
      if (p.length !== 1 + n * 5) return "length";
      const entries = [];
      for (let i = 0; i < n; i++) {
        entries.push({ key: p[1 + i * 5] as number, value: readI32(p, 2 + i * 5) });
      }
      return { type: "config", entries: entries };
    }
    case TYPE_TIME_SYNC:
      if (p.length !== 4) return "length";
      return { type: "time-sync", unixS: readU32(p, 0) };
    default:
      return "unknown-type";
  }
}
