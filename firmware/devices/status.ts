/** Helpers every device kind shares: the status (heartbeat) frame and battery voltage. */
import { TYPE_STATUS } from "../../protocol/constants.js";
import { statusPayload } from "../../protocol/payload-uplink.js";
import type { Hal } from "../hal/hal.js";
import type { Link } from "./link.js";

/** Battery input: 3.3 V reference behind a 1:2 divider, so 1.0 of the ADC is 6,600 mV. */
export const BATTERY_FULL_SCALE_MV = 6600;

/** Battery voltage in mV, or 0 for a mains device without a "battery" pin. */
export function batteryMv(hal: Hal): number {
  return hal.has("battery") ? Math.round(hal.analog("battery") * BATTERY_FULL_SCALE_MV) : 0;
}

/** What every status frame carries besides the battery and uptime. */
export interface Identity {
  deviceKind: number;
  /** "major.minor.patch" */
  firmwareVersion: string;
  /** RESET_* of this boot. */
  resetCause: number;
}

/** Sends a status frame (no ack): kind, battery (0 without a "battery" pin), version, uptime, reset cause. */
export function sendStatus(hal: Hal, link: Link, id: Identity, nowMs: number): void {
  const v = id.firmwareVersion.split(".");
  link.send(
    TYPE_STATUS,
    statusPayload(
      id.deviceKind,
      batteryMv(hal),
      +v[0]! | 0,
      +v[1]! | 0,
      +v[2]! | 0,
      Math.floor(nowMs / 1000),
      id.resetCause,
    ),
    false,
    nowMs,
  );
}
