/**
 * A resident's day, as door-contact and motion events. Waking hours have
 * motion as a Poisson process; the resident goes out mid-morning and comes back;
 * nights are still. Optional realism for month-long runs: an afternoon nap,
 * late mornings, toilet trips at night, days away (a weekend with family) and
 * visitors. `stopsMovingAtMs` models a resident who falls or falls ill: no
 * activity after it.
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
  /** Afternoon nap: starts around this hour (±30 min), lasts about napHours (±30 %). */
  napHour?: number;
  napHours?: number;
  /** Share of days the resident sleeps in (wakes 1-2.5 h late). */
  lateMorningChance?: number;
  /** Share of nights with a toilet trip (motion between 01:00 and 04:30). */
  nightTripChance?: number;
  /** Away from home (virtual ms): the door at the start and at the end, nothing between. */
  away?: Array<{ fromMs: number; toMs: number }>;
  /** A visitor comes (virtual ms): the door, two busy hours, the door. */
  visitorsMs?: number[];
  /** No events at or after this instant. */
  stopsMovingAtMs?: number;
  /** False: a resident who stays in (no morning outing). Default true. */
  goesOut?: boolean;
}

const HOUR = 3_600_000;
const VISIT_MS = 2 * HOUR;

function oneDay(rng: Rng, o: RoutineOptions, d: number, out: ActivityEvent[]): void {
  const day = rng.fork(`day-${d}`);
  const extra = rng.fork(`extra-${d}`);
  const base = o.midnightMs + d * 24 * HOUR;
  const rate = o.motionPerHour ?? 6;
  const late = extra.next() < (o.lateMorningChance ?? 0) ? extra.range(1, 2.5) : 0;
  const wakeMs = base + ((o.wakeHour ?? 7) + late + day.range(-0.5, 0.5)) * HOUR;
  const sleepMs = base + ((o.sleepHour ?? 22) + day.range(-0.5, 0.5)) * HOUR;
  const outMs = base + day.range(9, 10) * HOUR + late * HOUR;
  const backMs = outMs + day.range(1, 2.5) * HOUR;
  const napFrom = base + ((o.napHour ?? 0) + extra.range(-0.5, 0.5)) * HOUR;
  const napTo =
    o.napHour === undefined ? napFrom : napFrom + (o.napHours ?? 1) * extra.range(0.7, 1.3) * HOUR;
  const goesOut = o.goesOut !== false;
  if (goesOut) out.push({ atMs: outMs, kind: "door" }, { atMs: backMs, kind: "door" });
  for (let t = wakeMs; t < sleepMs; t += day.exponential(HOUR / rate)) {
    if (goesOut && t > outMs && t < backMs) continue; // nobody home
    if (t > napFrom && t < napTo) continue; // asleep in the chair
    out.push({ atMs: Math.round(t), kind: "motion" });
  }
  if (extra.next() < (o.nightTripChance ?? 0)) {
    const trip = base + extra.range(1, 4.5) * HOUR;
    out.push(
      { atMs: Math.round(trip), kind: "motion" },
      { atMs: Math.round(trip + 4 * 60_000), kind: "motion" },
    );
  }
}

/** Every activity event of the days that overlap [fromMs, toMs), in order. */
export function routineEvents(
  rng: Rng,
  opts: RoutineOptions,
  fromMs: number,
  toMs: number,
): ActivityEvent[] {
  const out: ActivityEvent[] = [];
  const firstDay = Math.floor((fromMs - opts.midnightMs) / (24 * HOUR));
  const lastDay = Math.floor((toMs - opts.midnightMs) / (24 * HOUR));
  for (let d = firstDay; d <= lastDay; d++) oneDay(rng, opts, d, out);
  const away = opts.away ?? [];
  const home = (t: number) => !away.some((a) => t >= a.fromMs && t <= a.toMs);
  const all = out.filter((e) => home(e.atMs));
  for (const a of away) all.push({ atMs: a.fromMs, kind: "door" }, { atMs: a.toMs, kind: "door" });
  for (const v of opts.visitorsMs ?? []) {
    all.push({ atMs: v, kind: "door" }, { atMs: v + VISIT_MS, kind: "door" });
    for (let t = v + 60_000; t < v + VISIT_MS; t += 3 * 60_000)
      all.push({ atMs: t, kind: "motion" });
  }
  const stop = opts.stopsMovingAtMs ?? Number.POSITIVE_INFINITY;
  return all
    .filter((e) => e.atMs >= fromMs && e.atMs < toMs && e.atMs < stop)
    .sort((a, b) => a.atMs - b.atMs);
}
