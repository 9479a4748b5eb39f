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
  OTA_BITMAP_CHUNKS,
  TYPE_CHARGER_EVENT,
  TYPE_CHARGER_TELEMETRY,
  TYPE_COMMAND_ACK,
  TYPE_GROUP_ACK,
  TYPE_GUARDIAN_ACTIVITY,
  TYPE_OTA_STATUS,
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
    case "group-ack":
      return TYPE_GROUP_ACK;
    case "ota-status":
      return TYPE_OTA_STATUS;
  }
}

/** Bytes of packed port data for n ports: 28 bits each, padded to a whole byte. */
function portBytes(n: number): number {
  return Math.ceil((n * 28) / 8);
}

/*
 * One encoder per uplink type, with positional arguments: a firmware image
 * imports only the ones it sends, and builds no message object (program text
 * is memory on Espruino). encodeUplinkPayload below is the same encoders
 * behind the message catalogue, for the gateway, the simulator and tests.
 */

export function statusPayload(
  deviceKind: number,
  batteryMv: number,
  fwMajor: number,
  fwMinor: number,
  fwPatch: number,
  uptimeS: number,
  resetCause: number,
): Uint8Array {
  const p = new Uint8Array(11);
  p[0] = deviceKind & 0xff;
  writeU16(p, 1, clampUint(batteryMv, 0xffff));
  p[3] = fwMajor & 0xff;
  p[4] = fwMinor & 0xff;
  p[5] = fwPatch & 0xff;
  writeU32(p, 6, clampUint(uptimeS, 0xffffffff));
  p[10] = resetCause & 0xff;
  return p;
}

export function smokeEventPayload(
  event: number,
  smokeLevel: number,
  batteryMv: number,
  eventId: number,
): Uint8Array {
  const p = new Uint8Array(7);
  p[0] = event & 0xff;
  writeU16(p, 1, clampUint(smokeLevel, 0xffff));
  writeU16(p, 3, clampUint(batteryMv, 0xffff));
  writeU16(p, 5, eventId & 0xffff);
  return p;
}

export function chargerEventPayload(
  port: number,
  event: number,
  reason: number,
  powerW: number,
  tempDeciC: number,
  sessionS: number,
): Uint8Array {
  const p = new Uint8Array(11);
  p[0] = port & 0xff;
  p[1] = event & 0xff;
  p[2] = reason & 0xff;
  writeU16(p, 3, clampUint(powerW, 0xffff));
  writeU16(p, 5, clampInt(tempDeciC, -32768, 32767) & 0xffff);
  writeU32(p, 7, clampUint(sessionS, 0xffffffff));
  return p;
}

export function guardianActivityPayload(
  doorOpens: number,
  motionCount: number,
  idleS: number,
  batteryMv: number,
): Uint8Array {
  const p = new Uint8Array(8);
  writeU16(p, 0, clampUint(doorOpens, 0xffff));
  writeU16(p, 2, clampUint(motionCount, 0xffff));
  writeU16(p, 4, clampUint(idleS, 0xffff));
  writeU16(p, 6, clampUint(batteryMv, 0xffff));
  return p;
}

export function commandAckPayload(ackedCounter: number, result: number): Uint8Array {
  const p = new Uint8Array(5);
  writeU32(p, 0, ackedCounter >>> 0);
  p[4] = result & 0xff;
  return p;
}

/** Bytes of the chunk bitmap in an OTA status. */
export const OTA_BITMAP_BYTES = OTA_BITMAP_CHUNKS / 8;

/**
 * OTA status payload, 19 bytes: state, reason, version (3), received u16,
 * total u16, from u16, then the OTA_BITMAP_BYTES bitmap of chunks from `from`.
 */
export function otaStatusPayload(
  state: number,
  reason: number,
  version: number,
  received: number,
  total: number,
  from: number,
  have: Uint8Array,
): Uint8Array {
  const p = new Uint8Array(11 + OTA_BITMAP_BYTES);
  p[0] = state & 0xff;
  p[1] = reason & 0xff;
  p[2] = (version >> 16) & 0xff;
  p[3] = (version >> 8) & 0xff;
  p[4] = version & 0xff;
  writeU16(p, 5, received & 0xffff);
  writeU16(p, 7, total & 0xffff);
  writeU16(p, 9, from & 0xffff);
  p.set(have.subarray(0, OTA_BITMAP_BYTES), 11);
  return p;
}

/**
 * Telemetry payload: u16 [portCount:4 | relayMask:12], i16 tempDeciC, then per
 * port 28 bits [power:12 | energy:12 | state:4], most significant bit first.
 * Port i is (powerW[i], energyWh[i], state[i]); relay i is on when bit i of
 * relayMask is set. At most MAX_PORTS ports (the length of powerW).
 */
export function chargerTelemetryPayload(
  tempDeciC: number,
  powerW: number[],
  energyWh: number[],
  state: number[],
  relayMask: number,
): Uint8Array {
  const n = Math.min(powerW.length, MAX_PORTS);
  const p = new Uint8Array(4 + portBytes(n));
  writeU16(p, 0, ((n & 0xf) << 12) | (relayMask & ((1 << n) - 1)));
  writeU16(p, 2, clampInt(tempDeciC, -32768, 32767) & 0xffff);
  let bit = 32;
  for (let i = 0; i < n; i++) {
    bit = putBits(p, bit, clampUint(powerW[i] as number, MAX_PORT_POWER_W), 12);
    bit = putBits(p, bit, clampUint(energyWh[i] as number, MAX_PORT_ENERGY_WH), 12);
    bit = putBits(p, bit, (state[i] as number) & 0xf, 4);
  }
  return p;
}

export function encodeUplinkPayload(msg: UplinkMsg): Uint8Array {
  switch (msg.type) {
    case "status":
      return statusPayload(
        msg.deviceKind,
        msg.batteryMv,
        msg.fwMajor,
        msg.fwMinor,
        msg.fwPatch,
        msg.uptimeS,
        msg.resetCause,
      );
    case "smoke-event":
      return smokeEventPayload(msg.event, msg.smokeLevel, msg.batteryMv, msg.eventId);
    case "charger-telemetry": {
      const ports = msg.ports;
      let relayMask = 0;
      for (let i = 0; i < ports.length && i < MAX_PORTS; i++)
        if (ports[i]!.relayOn) relayMask |= 1 << i;
      return chargerTelemetryPayload(
        msg.tempDeciC,
        ports.map((x) => x.powerW),
        ports.map((x) => x.energyWh),
        ports.map((x) => x.state),
        relayMask,
      );
    }
    case "charger-event":
      return chargerEventPayload(
        msg.port,
        msg.event,
        msg.reason,
        msg.powerW,
        msg.tempDeciC,
        msg.sessionS,
      );
    case "guardian-activity":
      return guardianActivityPayload(msg.doorOpens, msg.motionCount, msg.idleS, msg.batteryMv);
    case "command-ack":
    case "group-ack":
      return commandAckPayload(msg.ackedCounter, msg.result);
    case "ota-status":
      return otaStatusPayload(
        msg.state,
        msg.reason,
        (msg.fwMajor << 16) | (msg.fwMinor << 8) | msg.fwPatch,
        msg.received,
        msg.total,
        msg.from,
        msg.have,
      );
  }
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
    case TYPE_GROUP_ACK:
      if (p.length !== 5) return "length";
      return {
        type: code === TYPE_COMMAND_ACK ? "command-ack" : "group-ack",
        ackedCounter: readU32(p, 0),
        result: p[4] as number,
      };
    case TYPE_OTA_STATUS:
      if (p.length !== 11 + OTA_BITMAP_BYTES) return "length";
      return {
        type: "ota-status",
        state: p[0] as number,
        reason: p[1] as number,
        fwMajor: p[2] as number,
        fwMinor: p[3] as number,
        fwPatch: p[4] as number,
        received: readU16(p, 5),
        total: readU16(p, 7),
        from: readU16(p, 9),
        have: p.slice(11),
      };
    default:
      return "unknown-type";
  }
}
