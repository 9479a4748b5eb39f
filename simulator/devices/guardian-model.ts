/**
 * The physical side of a guardian sensor: a door contact (high = open), a
 * PIR motion sensor (high pulse per movement), following the resident's day,
 * and the battery (ADC pin "battery") running down at `drainMvPerDay`.
 */
import { BATTERY_FULL_SCALE_MV } from "../../firmware/devices/status.js";
import { type BatteryState, batteryMvAt, newBattery } from "../physics/battery.js";
import {
  type ActivityEvent,
  type RoutineOptions,
  routineEvents,
} from "../physics/guardian-routine.js";
import type { Rng } from "../physics/prng.js";
import type { DeviceModel, ModelEvent, PinSink, ScheduledInput } from "./pins.js";

const DOOR_OPEN_MS = 15_000;
const PIR_PULSE_MS = 2_000;
/** What "resume-moving" plans at once; a fleet plans the routine an hour at a time. */
const RESUME_PLAN_MS = 3_600_000;

export type GuardianRoutine = Omit<RoutineOptions, "midnightMs" | "stopsMovingAtMs">;

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

export class GuardianModel implements DeviceModel {
  stopsMovingAtMs: number | undefined;
  readonly battery: BatteryState;
  private overrideMv: number | undefined;
  private readonly rng: Rng;
  private readonly routineOpts: GuardianRoutine;
  private readonly midnightMs: number;

  /** `midnightMs`: virtual ms of the local midnight on or before the start. */
  constructor(
    rng: Rng,
    midnightMs: number,
    routine: GuardianRoutine = {},
    battery: { startMv?: number; drainMvPerDay?: number } = {},
  ) {
    this.rng = rng;
    this.midnightMs = midnightMs;
    this.routineOpts = routine;
    this.battery = newBattery(battery.startMv ?? 3000, 0, battery.drainMvPerDay ?? 0);
  }

  drive(nowMs: number, pins: PinSink): void {
    const mv = this.overrideMv ?? batteryMvAt(this.battery, nowMs);
    pins.analog("battery", clamp01(mv / BATTERY_FULL_SCALE_MV));
  }

  onOutput(): ModelEvent | undefined {
    return undefined;
  }

  apply(action: string, args: Record<string, unknown>, nowMs: number): ScheduledInput[] {
    if (action === "stop-moving") this.stopsMovingAtMs = nowMs;
    if (action === "resume-moving") {
      // Up again: the routine's next hour (what was planned while still is gone).
      this.stopsMovingAtMs = undefined;
      return this.routine(nowMs, nowMs + RESUME_PLAN_MS);
    }
    if (action === "battery") this.overrideMv = args.mv as number;
    if (action === "wander") {
      // The resident walks out of the door and does not come back.
      this.stopsMovingAtMs = nowMs + 1;
      return [
        { atMs: nowMs, role: "door", high: true },
        { atMs: nowMs + DOOR_OPEN_MS, role: "door", high: false },
      ];
    }
    return [];
  }

  /** False for a routine input the resident no longer makes (stopped moving since it was planned). */
  routineStillDue(atMs: number): boolean {
    return this.stopsMovingAtMs === undefined || atMs < this.stopsMovingAtMs;
  }

  routine(fromMs: number, toMs: number): ScheduledInput[] {
    const opts: RoutineOptions = { midnightMs: this.midnightMs, ...this.routineOpts };
    if (this.stopsMovingAtMs !== undefined) opts.stopsMovingAtMs = this.stopsMovingAtMs;
    const events: ActivityEvent[] = routineEvents(this.rng, opts, fromMs, toMs);
    const out: ScheduledInput[] = [];
    for (const e of events) {
      if (e.kind === "door") {
        out.push(
          { atMs: e.atMs, role: "door", high: true },
          { atMs: e.atMs + DOOR_OPEN_MS, role: "door", high: false },
        );
      } else {
        out.push(
          { atMs: e.atMs, role: "motion", high: true },
          { atMs: e.atMs + PIR_PULSE_MS, role: "motion", high: false },
        );
      }
    }
    return out;
  }

  initialInputs(): ScheduledInput[] {
    return [
      { atMs: 0, role: "door", high: false },
      { atMs: 0, role: "motion", high: false },
    ];
  }
}
