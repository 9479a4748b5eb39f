/**
 * The physical side of a guardian sensor: a door contact (high = open) and a
 * PIR motion sensor (high pulse per movement), following the resident's day.
 */
import { type ActivityEvent, routineEvents } from "../physics/guardian-routine.js";
import type { Rng } from "../physics/prng.js";
import type { DeviceModel, ModelEvent, PinSink, ScheduledInput } from "./pins.js";

const DOOR_OPEN_MS = 15_000;
const PIR_PULSE_MS = 2_000;

export interface GuardianRoutine {
  wakeHour?: number;
  sleepHour?: number;
  motionPerHour?: number;
}

export class GuardianModel implements DeviceModel {
  stopsMovingAtMs: number | undefined;
  private readonly rng: Rng;
  private readonly routineOpts: GuardianRoutine;
  private readonly midnightMs: number;

  /** `midnightMs`: virtual ms of the local midnight on or before the start. */
  constructor(rng: Rng, midnightMs: number, routine: GuardianRoutine = {}) {
    this.rng = rng;
    this.midnightMs = midnightMs;
    this.routineOpts = routine;
  }

  drive(_nowMs: number, _pins: PinSink): void {}

  onOutput(): ModelEvent | undefined {
    return undefined;
  }

  apply(action: string, _args: Record<string, unknown>, nowMs: number): ScheduledInput[] {
    if (action === "stop-moving") this.stopsMovingAtMs = nowMs;
    return [];
  }

  routine(fromMs: number, toMs: number): ScheduledInput[] {
    const opts = { midnightMs: this.midnightMs, ...this.routineOpts } as Parameters<
      typeof routineEvents
    >[1];
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
