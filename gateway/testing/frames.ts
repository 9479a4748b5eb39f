/** Signed, framed test frames, built with the protocol codec the devices use. */
import { encodeFrame } from "../../protocol/codec.js";
import { FLAG_ACK_REQUESTED, SMOKE_ALARM } from "../../protocol/constants.js";
import { frameBytes } from "../../protocol/framing.js";
import type { Msg } from "../../protocol/messages.js";
import { nodeHmac } from "../registry/keys.js";

export function keyOf(seed: number): Uint8Array {
  const k = new Uint8Array(16);
  for (let i = 0; i < 16; i++) k[i] = (seed * 31 + i * 7) & 0xff;
  return k;
}

export function rawFrame(
  deviceId: number,
  counter: number,
  msg: Msg,
  key: Uint8Array,
  flags = 0,
): Uint8Array {
  return encodeFrame({ deviceId, counter, flags, msg }, key, nodeHmac);
}

export function framed(deviceId: number, counter: number, msg: Msg, key: Uint8Array, flags = 0) {
  return frameBytes(rawFrame(deviceId, counter, msg, key, flags));
}

export function statusMsg(uptimeS = 1): Msg {
  return {
    type: "status",
    deviceKind: 1,
    batteryMv: 2950,
    fwMajor: 1,
    fwMinor: 2,
    fwPatch: 3,
    uptimeS,
    resetCause: 0,
  };
}

export function smokeAlarmMsg(eventId = 1, smokeLevel = 800): Msg {
  return { type: "smoke-event", event: SMOKE_ALARM, smokeLevel, batteryMv: 2900, eventId };
}

export const ACK = FLAG_ACK_REQUESTED;
