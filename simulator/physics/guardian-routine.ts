/**
 * A resident's day, as door-contact and motion events. Waking hours have
 * motion as a Poisson process; the resident goes out mid-morning and comes back;
 * nights are still. `stopsMovingAtMs` models a resident who falls or falls ill:
 * no activity after it.
 */
import type { Rng } from "./prng.js";

export interface ActivityEvent {
  atMs: number;
  kind: "door" | "motion";
}

export interface RoutineOptions {
  /** Virtual ms at which the local day starts (midnight). */
  midnightMs: number;
  wakeHour?: number;
  sleepHour?: number;
  motionPerHour?: number;
  /** No events at or after this instant. */
  stopsMovingAtMs?: number;
}

const HOUR = 3_600_000;

/** Every activity event of the days that overlap [fromMs, toMs), in order. */
export function routineEvents(
  rng: Rng,
  opts: RoutineOptions,
  fromMs: number,
  toMs: number,
): ActivityEvent[] {
  const wake = opts.wakeHour ?? 7;
  const sleep = opts.sleepHour ?? 22;
  const rate = opts.motionPerHour ?? 6;
  const out: ActivityEvent[] = [];
  const firstDay = Math.floor((fromMs - opts.midnightMs) / (24 * HOUR));
  const lastDay = Math.floor((toMs - opts.midnightMs) / (24 * HOUR));
  for (let d = firstDay; d <= lastDay; d++) {
    const day = rng.fork(`day-${d}`);
    const base = opts.midnightMs + d * 24 * HOUR;
    const wakeMs = base + (wake + day.range(-0.5, 0.5)) * HOUR;
    const sleepMs = base + (sleep + day.range(-0.5, 0.5)) * HOUR;
    const outMs = base + day.range(9, 10) * HOUR;
    const backMs = outMs + day.range(1, 2.5) * HOUR;
    out.push({ atMs: outMs, kind: "door" }, { atMs: backMs, kind: "door" });
    for (let t = wakeMs; t < sleepMs; t += day.exponential(HOUR / rate)) {
      if (t > outMs && t < backMs) continue; // nobody home
      out.push({ atMs: Math.round(t), kind: "motion" });
    }
  }
  const stop = opts.stopsMovingAtMs ?? Number.POSITIVE_INFINITY;
  return out
    .filter((e) => e.atMs >= fromMs && e.atMs < toMs && e.atMs < stop)
    .sort((a, b) => a.atMs - b.atMs);
}
