/**
 * Why a device must get no update frames now (issue 14 "Safety"), from the
 * gateway's live state; pure, the service passes the sources in:
 * - the device has an active alarm (fire, tamper, overload, ...): it is
 *   alarming, or a person is dealing with it;
 * - a sound command (interlinked fire, hush, stop) waits for it;
 * - a charger's last telemetry had a port at or above PORT_HOLD_W.
 * The device checks the same on its own (it refuses a begin or a switch with
 * OTA_REASON_BUSY while it alarms or a port is at 80 % of its own limit);
 * the gateway's hold keeps the frames off the air in the first place.
 */

/** 80 % of the usual 1,100 W port limit (HAZARDS.md "port overload"). */
export const PORT_HOLD_W = 880;

export interface HoldSources {
  activeAlarmKinds(deviceId: number): string[];
  soundWaiting(deviceId: number): boolean;
  /** Highest port power in the charger's last telemetry, if any. */
  maxPortW(deviceId: number): number | undefined;
}

export function holdReason(s: HoldSources, deviceId: number): string | undefined {
  const alarms = s.activeAlarmKinds(deviceId);
  if (alarms.length > 0) return `alarm active (${alarms.join(", ")})`;
  if (s.soundWaiting(deviceId)) return "interlinked sounding";
  const w = s.maxPortW(deviceId);
  if (w !== undefined && w >= PORT_HOLD_W)
    return `a port draws ${w} W (hold from ${PORT_HOLD_W} W)`;
  return undefined;
}
