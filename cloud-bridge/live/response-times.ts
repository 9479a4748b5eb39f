/**
 * How fast each site answers its alarms: time to acknowledge (raised ->
 * acknowledged) and time to clear (raised -> cleared), one sample per alarm
 * (by alarm id: an alarm replayed at a restart is not counted twice), kept
 * for `retentionWeeks` (8 by default) so the cockpit can show this week's p50
 * and p90 next to last week's (the trend), a daily series and a weekly one.
 * Samples survive a restart when the bridge keeps them in SQLite
 * (response-store.ts) and seeds them back. Samples arrive roughly in time
 * order, so pruning takes them off the front. Time is passed in.
 */

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

export interface Percentiles {
  /** Samples in the window. */
  n: number;
  p50Ms?: number;
  p90Ms?: number;
}

export interface ResponseSummary {
  ack: Percentiles;
  clear: Percentiles;
  /** The same numbers for the week before (the trend). */
  ackPrev: Percentiles;
  clearPrev: Percentiles;
  /** p50 time to acknowledge per day, oldest first (7 days, ending now); null: no sample. */
  ackDailyP50Ms: Array<number | null>;
  /** p50 time to acknowledge and to clear per week, oldest first (retentionWeeks, ending now). */
  ackWeeklyP50Ms: Array<number | null>;
  clearWeeklyP50Ms: Array<number | null>;
}

export type SampleKind = "ack" | "clear";

/** One measured alarm: when it was acknowledged (or cleared) and how long that took. */
export interface ResponseSample {
  kind: SampleKind;
  alarmId: string;
  at: number;
  ms: number;
}

/** The nearest-rank percentile of sorted values (p in 0..100). */
export function percentile(sorted: number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

function window(samples: Sample[], from: number, to: number): Percentiles {
  const values: number[] = [];
  for (const [at, ms] of samples) if (at > from && at <= to) values.push(ms);
  values.sort((a, b) => a - b);
  const out: Percentiles = { n: values.length };
  const p50 = percentile(values, 50);
  const p90 = percentile(values, 90);
  if (p50 !== undefined) out.p50Ms = p50;
  if (p90 !== undefined) out.p90Ms = p90;
  return out;
}

type Sample = [at: number, ms: number, alarmId: string];

export class ResponseTimes {
  /** [when it happened, how long it took, which alarm] per kind, in time order. */
  private readonly lists: Record<SampleKind, Sample[]> = { ack: [], clear: [] };
  private readonly seen: Record<SampleKind, Set<string>> = { ack: new Set(), clear: new Set() };

  constructor(readonly retentionWeeks = 8) {}

  /** Adds a sample once per alarm and kind; returns it when it is new (to be stored). */
  add(kind: SampleKind, alarmId: string, raisedAt: number, at: number): ResponseSample | undefined {
    if (at < raisedAt || this.seen[kind].has(alarmId)) return undefined;
    this.seen[kind].add(alarmId);
    insert(this.lists[kind], [at, at - raisedAt, alarmId]);
    return { kind, alarmId, at, ms: at - raisedAt };
  }

  /** A sample read back from storage (at start). */
  seed(s: ResponseSample): void {
    this.add(s.kind, s.alarmId, s.at - s.ms, s.at);
  }

  summary(now: number): ResponseSummary {
    const weeks = Math.max(2, this.retentionWeeks);
    for (const kind of ["ack", "clear"] as const)
      prune(this.lists[kind], this.seen[kind], now - weeks * WEEK_MS);
    const { ack, clear } = this.lists;
    const daily: Array<number | null> = [];
    for (let d = 6; d >= 0; d--)
      daily.push(window(ack, now - (d + 1) * DAY_MS, now - d * DAY_MS).p50Ms ?? null);
    const weekly = (list: Sample[]) => {
      const out: Array<number | null> = [];
      for (let w = weeks - 1; w >= 0; w--)
        out.push(window(list, now - (w + 1) * WEEK_MS, now - w * WEEK_MS).p50Ms ?? null);
      return out;
    };
    return {
      ack: window(ack, now - WEEK_MS, now),
      clear: window(clear, now - WEEK_MS, now),
      ackPrev: window(ack, now - 2 * WEEK_MS, now - WEEK_MS),
      clearPrev: window(clear, now - 2 * WEEK_MS, now - WEEK_MS),
      ackDailyP50Ms: daily,
      ackWeeklyP50Ms: weekly(ack),
      clearWeeklyP50Ms: weekly(clear),
    };
  }
}

/** Keeps the list in time order (a late copy goes to its place). */
function insert(list: Sample[], s: Sample) {
  let i = list.length;
  while (i > 0 && list[i - 1]![0] > s[0]) i--;
  list.splice(i, 0, s);
}

function prune(list: Sample[], seen: Set<string>, before: number) {
  let n = 0;
  while (n < list.length && list[n]![0] <= before) seen.delete(list[n++]![2]);
  if (n > 0) list.splice(0, n);
}
