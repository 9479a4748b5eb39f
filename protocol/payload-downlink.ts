/** Payloads of downlink messages (gateway -> device). See payload-uplink.ts for why they are apart. */
import { clampInt, clampUint, readI32, readU16, readU32, writeU16, writeU32 } from "./bytes.js";
import {
  MAX_CONFIG_ENTRIES,
  OTA_CHUNK_BYTES,
  OTA_MANIFEST_LENGTH,
  TYPE_ACK,
  TYPE_CONFIG,
  TYPE_GROUP_SOUND,
  TYPE_OTA_BEGIN,
  TYPE_OTA_CHUNK,
  TYPE_OTA_CONTROL,
  TYPE_RELAY,
  TYPE_SOUND,
  TYPE_TIME_SYNC,
} from "./constants.js";
import type { ConfigEntry, DownlinkMsg } from "./messages.js";
import type { PayloadError } from "./payload-uplink.js";

export function downlinkTypeCode(msg: DownlinkMsg): number {
  switch (msg.type) {
    case "ack":
      return TYPE_ACK;
    case "relay":
      return TYPE_RELAY;
    case "sound":
      return TYPE_SOUND;
    case "group-sound":
      return TYPE_GROUP_SOUND;
    case "config":
      return TYPE_CONFIG;
    case "time-sync":
      return TYPE_TIME_SYNC;
    case "ota-begin":
      return TYPE_OTA_BEGIN;
    case "ota-chunk":
      return TYPE_OTA_CHUNK;
    case "ota-control":
      return TYPE_OTA_CONTROL;
  }
}

export function encodeDownlinkPayload(msg: DownlinkMsg): Uint8Array {
  let p: Uint8Array;
  switch (msg.type) {
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
    case "group-sound":
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
    case "ota-begin":
      return msg.manifest.slice(0, OTA_MANIFEST_LENGTH);
    case "ota-chunk":
      p = new Uint8Array(2 + Math.min(msg.data.length, OTA_CHUNK_BYTES));
      writeU16(p, 0, msg.index & 0xffff);
      p.set(msg.data.subarray(0, p.length - 2), 2);
      return p;
    case "ota-control":
      p = new Uint8Array(3);
      p[0] = msg.op & 0xff;
      writeU16(p, 1, msg.arg & 0xffff);
      return p;
  }
}

export function decodeDownlinkPayload(code: number, p: Uint8Array): DownlinkMsg | PayloadError {
  switch (code) {
    case TYPE_ACK:
      if (p.length !== 4) return "length";
      return { type: "ack", ackedCounter: readU32(p, 0) };
    case TYPE_RELAY:
      if (p.length !== 3) return "length";
      if ((p[1] as number) > 1) return "value";
      return { type: "relay", port: p[0] as number, on: p[1] === 1, reason: p[2] as number };
    case TYPE_SOUND:
    case TYPE_GROUP_SOUND:
      if (p.length !== 7) return "length";
      return {
        type: code === TYPE_SOUND ? "sound" : "group-sound",
        mode: p[0] as number,
        durationS: readU16(p, 1),
        sourceDeviceId: readU32(p, 3),
      };
    case TYPE_CONFIG: {
      if (p.length < 1) return "length";
      const n = p[0] as number;
      if (n > MAX_CONFIG_ENTRIES) return "value";
      if (p.length !== 1 + n * 5) return "length";
      const entries: ConfigEntry[] = [];
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

/** TYPE_OTA_* downlink codes: devices hand these to their update receiver undecoded. */
export function isOtaDownlinkType(code: number): boolean {
  return code >= TYPE_OTA_BEGIN && code <= TYPE_OTA_CONTROL;
}

/**
 * Firmware-update downlinks, apart from decodeDownlinkPayload so an image
 * (which reads them raw, firmware/devices/ota-receiver.ts) carries none of this.
 */
export function decodeOtaDownlinkPayload(code: number, p: Uint8Array): DownlinkMsg | PayloadError {
  switch (code) {
    case TYPE_OTA_BEGIN:
      if (p.length !== OTA_MANIFEST_LENGTH) return "length";
      return { type: "ota-begin", manifest: p };
    case TYPE_OTA_CHUNK:
      if (p.length < 3 || p.length > 2 + OTA_CHUNK_BYTES) return "length";
      return { type: "ota-chunk", index: readU16(p, 0), data: p.subarray(2) };
    case TYPE_OTA_CONTROL:
      if (p.length !== 3) return "length";
      return { type: "ota-control", op: p[0] as number, arg: readU16(p, 1) };
    default:
      return "unknown-type";
  }
}
