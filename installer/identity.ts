/**
 * A new device's identity: a random 32-bit id and a fresh 128-bit key from the
 * operating system's secure random source. The key lives in memory, in the
 * image sent to the board and in the gateway's registry, nowhere else.
 */
import { randomBytes } from "node:crypto";
import { KEY_LENGTH } from "../protocol/constants.js";

export interface DeviceIdentity {
  deviceId: number;
  /** 32 hex digits. Never printed or logged. */
  keyHex: string;
}

/** Device ids 0 and 0xFFFFFFFF are kept out (unset / broadcast in many tools). */
export function newDeviceId(random: (n: number) => Buffer = randomBytes): number {
  for (;;) {
    const id = random(4).readUInt32BE(0);
    if (id !== 0 && id !== 0xffffffff) return id;
  }
}

export function newIdentity(random: (n: number) => Buffer = randomBytes): DeviceIdentity {
  return { deviceId: newDeviceId(random), keyHex: random(KEY_LENGTH).toString("hex") };
}
