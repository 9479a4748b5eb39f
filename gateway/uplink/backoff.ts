/**
 * Reconnect delay: exponential from `minMs` to `maxMs`, with "equal jitter"
 * (half fixed, half random) so that the gateways of a district do not all
 * reconnect in the same second after a cloud outage (AWS Architecture Blog,
 * "Exponential Backoff and Jitter").
 */
export interface BackoffOptions {
  minMs: number;
  maxMs: number;
}

export function reconnectDelayMs(
  attempt: number,
  opts: BackoffOptions,
  random: () => number,
): number {
  const base = Math.min(opts.maxMs, opts.minMs * 2 ** Math.min(attempt, 30));
  return Math.round(base / 2 + random() * (base / 2));
}
