/**
 * Payloads of uplink messages (device -> gateway). Split from the downlink ones
 * so a firmware image bundles only the encoders it sends and the decoders it
 * receives: program text is memory on Espruino.
 */
import { clampInt, clampUint, readI16, readU16, readU32, writeU16, writeU32 } from "./bytes.js";
import {
  MAX_PORT_ENERGY_WH,
  MAX_PORT_POWER_W,
  MAX_PORTS,
  TYPE_CHARGER_EVENT,
  TYPE_CHARGER_TELEMETRY,
  TYPE_COMMAND_ACK,
  TYPE_GUARDIAN_ACTIVITY,
  TYPE_SMOKE_EVENT,
  TYPE_STATUS,
} from "./constants.js";
import type { PortReading, UplinkMsg } from "./messages.js";

export type PayloadError = "unknown-type" | "length" | "value";

export function uplinkTypeCode(msg: UplinkMsg): number {
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
  }
}

/** Bytes of packed port data for n ports: 28 bits each, padded to a whole byte. */
function portBytes(n: number): number {
  return Math.ceil((n * 28) / 8);
}

export function encodeUplinkPayload(msg: UplinkMsg): Uint8Array {
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

export function decodeUplinkPayload(code: number, p: Uint8Array): UplinkMsg | PayloadError {
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
    default:
      return "unknown-type";
  }
}
