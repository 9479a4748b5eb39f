/** Helpers every device kind shares: the status (heartbeat) frame and battery voltage. */
import type { StatusMsg } from "../../protocol/messages.js";
import type { Hal } from "../hal/hal.js";

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

export function statusMsg(id: Identity, batteryMvNow: number, nowMs: number): StatusMsg {
  const v = id.firmwareVersion.split(".");
  return {
    type: "status",
    deviceKind: id.deviceKind,
    batteryMv: batteryMvNow,
    fwMajor: parseInt(v[0] || "0", 10),
    fwMinor: parseInt(v[1] || "0", 10),
    fwPatch: parseInt(v[2] || "0", 10),
    uptimeS: Math.floor(nowMs / 1000),
    resetCause: id.resetCause,
  };
}
