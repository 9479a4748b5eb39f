/**
 * Rate limit of residents' reports (随手拍): a sliding window of report times
 * per key (site and the sender's address), so a site link posted in a group
 * chat cannot flood the grid workers. Pure: the caller passes the time in and
 * keeps the returned state.
 */
export interface ReportLimit {
  perHour: number;
}

export type LimitState = Map<string, number[]>;

/** Whether one more report from `key` is allowed at `now`; records it when it is. */
export function allowReport(
  state: LimitState,
  key: string,
  now: number,
  limit: ReportLimit,
): boolean {
  const since = now - 3600_000;
  const times = (state.get(key) ?? []).filter((t) => t > since);
  if (times.length >= limit.perHour) {
    state.set(key, times);
    return false;
  }
  times.push(now);
  state.set(key, times);
  // Keys with no report in the last hour are dropped, so the map stays small.
  if (state.size > 10_000)
    for (const [k, v] of state) if (v.every((t) => t <= since)) state.delete(k);
  return true;
}
