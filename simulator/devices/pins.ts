/**
 * Where a device model meets the firmware: inputs it drives by role, outputs
 * it observes by role. The virtual device maps roles to the board pin names of
 * the device's build configuration.
 */

export interface PinSink {
  analog(role: string, fraction: number): void;
  digital(role: string, high: boolean): void;
}

/** A pin change the model wants at a later instant (a door closing, a PIR pulse ending). */
export interface ScheduledInput {
  atMs: number;
  role: string;
  high: boolean;
}

/** What a model reports for the trace. */
export interface ModelEvent {
  event: string;
  [field: string]: unknown;
}

export interface DeviceModel {
  /** Sets every input pin for the instant `nowMs`. */
  drive(nowMs: number, pins: PinSink): void;
  /**
   * Inputs that follow the model's state at once (a port's over-current
   * comparator trips the instant a short draws): the device drives them again
   * right after a timeline action or a firmware output changed that state, not
   * only before the firmware's next timer.
   */
  readonly instantInputs?: boolean;
  /** The firmware drove an output. */
  onOutput(role: string, high: boolean, nowMs: number): ModelEvent | undefined;
  /** A timeline action aimed at this device; returns pin changes to schedule. */
  apply(action: string, args: Record<string, unknown>, nowMs: number): ScheduledInput[];
  /** Pin changes the model's own routine wants within [fromMs, toMs). */
  routine?(fromMs: number, toMs: number): ScheduledInput[];
  /** False for a routine input planned earlier that no longer happens (a resident who stopped moving). */
  routineStillDue?(atMs: number): boolean;
}

export function clamp01(x: number): number {
  return x < 0 ? 0 : Math.min(x, 1);
}
