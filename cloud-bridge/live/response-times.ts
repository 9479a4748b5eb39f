/**
 * How fast each site answers its alarms: time to acknowledge (raised ->
 * acknowledged) and time to clear (raised -> cleared), one sample per alarm,
 * kept for two weeks so the cockpit can show this week's p50 and p90 next to
 * last week's (the trend) and a daily series. Samples arrive roughly in time
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
}

/** The nearest-rank percentile of sorted values (p in 0..100). */
export function percentile(sorted: number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

function window(samples: Array<[number, number]>, from: number, to: number): Percentiles {
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

export class ResponseTimes {
  /** [when it happened, how long it took] */
  private readonly ack: Array<[number, number]> = [];
  private readonly clear: Array<[number, number]> = [];

  addAck(raisedAt: number, ackAt: number): void {
    if (ackAt >= raisedAt) insert(this.ack, [ackAt, ackAt - raisedAt]);
  }

  addClear(raisedAt: number, clearedAt: number): void {
    if (clearedAt >= raisedAt) insert(this.clear, [clearedAt, clearedAt - raisedAt]);
  }

  summary(now: number): ResponseSummary {
    prune(this.ack, now - 2 * WEEK_MS);
    prune(this.clear, now - 2 * WEEK_MS);
    const daily: Array<number | null> = [];
    for (let d = 6; d >= 0; d--) {
      const w = window(this.ack, now - (d + 1) * DAY_MS, now - d * DAY_MS);
      daily.push(w.p50Ms ?? null);
    }
    return {
      ack: window(this.ack, now - WEEK_MS, now),
      clear: window(this.clear, now - WEEK_MS, now),
      ackPrev: window(this.ack, now - 2 * WEEK_MS, now - WEEK_MS),
      clearPrev: window(this.clear, now - 2 * WEEK_MS, now - WEEK_MS),
      ackDailyP50Ms: daily,
    };
  }
}

/** Keeps the list in time order (a late copy goes to its place). */
function insert(list: Array<[number, number]>, s: [number, number]) {
  let i = list.length;
  while (i > 0 && list[i - 1]![0] > s[0]) i--;
  list.splice(i, 0, s);
}

function prune(list: Array<[number, number]>, before: number) {
  let n = 0;
  while (n < list.length && list[n]![0] <= before) n++;
  if (n > 0) list.splice(0, n);
}
