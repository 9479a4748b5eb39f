/**
 * Disk-cap policy, shared by every outbox: over the cap, telemetry is first
 * thinned (every second entry of each key among the older half of the
 * not-yet-thinned telemetry is deleted, so the history keeps its span at half
 * the resolution), then dropped oldest-first, down to a low-water mark.
 * Alarms and events are never dropped: an outbox holding only them may stay
 * over the cap, and reports so in its stats.
 */

export interface OutboxCapOptions {
  /** Logical size limit in bytes (entry payload, topic, key and overhead). */
  capBytes?: number;
  /** After crossing the cap, shrink to this fraction of it (default 0.9). */
  lowWaterRatio?: number;
}

export interface OutboxStats {
  bytes: number;
  /** Telemetry entries removed by thinning since start. */
  thinned: number;
  /** Telemetry entries dropped oldest-first since start. */
  dropped: number;
  /** True when only alarms and events are left and the cap is still exceeded. */
  overCap: boolean;
}

/** What a store exposes so the policy can run on it. */
export interface CapTarget {
  bytes(): number;
  /** Seq of the median not-yet-thinned telemetry entry (undefined when none). */
  thinBoundary(): number | undefined;
  /** Deletes every second entry per key among unthinned telemetry with seq <= boundary; marks the rest thinned. Returns count deleted. */
  thin(boundarySeq: number): number;
  /** Deletes up to `n` oldest telemetry entries. Returns count deleted. */
  dropOldestTelemetry(n: number): number;
}

export const DROP_CHUNK = 256;

export function enforceCap(target: CapTarget, opts: OutboxCapOptions, stats: OutboxStats): void {
  const cap = opts.capBytes;
  if (cap === undefined || target.bytes() <= cap) {
    stats.overCap = false;
    return;
  }
  const low = cap * (opts.lowWaterRatio ?? 0.9);
  const boundary = target.thinBoundary();
  if (boundary !== undefined) stats.thinned += target.thin(boundary);
  while (target.bytes() > low) {
    const n = target.dropOldestTelemetry(DROP_CHUNK);
    stats.dropped += n;
    if (n === 0) break;
  }
  stats.overCap = target.bytes() > cap;
}
