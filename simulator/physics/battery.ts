/**
 * A detector's battery (3 V lithium or 9 V alkaline scaled to millivolts at the
 * ADC divider). Pure: voltage = f(start, drain, sounding time, now).
 * The sounder draws far more than the quiescent load, so minutes of alarm cost
 * days of standby.
 */

export interface BatteryState {
  startMv: number;
  /** Quiescent drain, millivolts per simulated day. */
  drainMvPerDay: number;
  /** Extra drain while sounding, millivolts per hour of sounding. */
  soundingMvPerHour: number;
  /** Accumulated sounding time. */
  soundingMs: number;
  /** Virtual time the battery was fitted. */
  fittedAtMs: number;
}

export function newBattery(startMv: number, fittedAtMs: number, drainMvPerDay = 0.5): BatteryState {
  return { startMv, drainMvPerDay, soundingMvPerHour: 20, soundingMs: 0, fittedAtMs };
}

export function batteryMvAt(b: BatteryState, nowMs: number): number {
  const days = Math.max(0, nowMs - b.fittedAtMs) / 86_400_000;
  const mv = b.startMv - b.drainMvPerDay * days - (b.soundingMvPerHour * b.soundingMs) / 3_600_000;
  return Math.max(0, mv);
}
