/**
 * The outbox's draining order, shared by every implementation: alarms first,
 * oldest first within a priority, and never two entries of one key out of
 * order. A high-priority entry whose key still has older entries pulls those
 * forward with it (priority inheritance), so per-key order holds and an alarm
 * waits only behind its own key's backlog, never behind other devices'.
 */
import {
  type OutboxCursor,
  type OutboxEntry,
  type OutboxWalk,
  PRIORITY_TELEMETRY,
  type Priority,
} from "../types.js";

export interface OrderingSource {
  /**
   * Entries in (priority, seq) order strictly after `after` (undefined = from
   * the start), only those with a priority below `below` when it is given.
   */
  candidates(after: WalkCursor | undefined, limit: number, below?: Priority): OutboxEntry[];
  /** Entries of `key` with seq below `seq`, oldest first. */
  predecessors(key: string, seq: number, limit: number): OutboxEntry[];
}

/** A place in the walk: the (priority, seq) of the last candidate it handed out. */
export type WalkCursor = OutboxCursor;
export type Walk = OutboxWalk;

export function peekOrdered(src: OrderingSource, limit: number): OutboxEntry[] {
  return walkOrdered(src, limit).entries;
}

/**
 * The walk behind peekOrdered, from `from` on (a drain that handed out
 * everything up to there reads only what is new), and over the priorities
 * below `below` only (a drain's look at new alarms and events).
 */
export function walkOrdered(
  src: OrderingSource,
  limit: number,
  from?: WalkCursor,
  below?: Priority,
): Walk {
  const out: OutboxEntry[] = [];
  let walked = from;
  if (limit <= 0) return finish(out, walked);
  const chosen = new Set<number>();
  let cursor = from;
  for (;;) {
    const page = src.candidates(cursor, limit, below);
    for (const cand of page) {
      cursor = cand;
      if (chosen.has(cand.seq)) {
        walked = cand;
        continue;
      }
      // Its key's older entries of the same or a higher priority came before it in this walk
      // (priority, seq order): only lower-priority ones can be left behind. Telemetry has none.
      if (cand.priority >= PRIORITY_TELEMETRY) {
        out.push(cand);
        chosen.add(cand.seq);
        walked = cand;
        if (out.length >= limit) return finish(out, walked);
        continue;
      }
      const room = limit - out.length;
      const preds = src.predecessors(cand.key, cand.seq, room + chosen.size);
      for (const p of preds) {
        if (chosen.has(p.seq)) continue;
        if (out.length >= limit) return finish(out, walked);
        out.push(p);
        chosen.add(p.seq);
      }
      if (out.length >= limit) return finish(out, walked);
      out.push(cand);
      chosen.add(cand.seq);
      walked = cand;
      if (out.length >= limit) return finish(out, walked);
    }
    if (page.length < limit) return finish(out, walked, true);
  }
}

function finish(entries: OutboxEntry[], walked: WalkCursor | undefined, end = false): Walk {
  return { entries, cursor: walked && { priority: walked.priority, seq: walked.seq }, end };
}

/** Bytes an entry is charged against the disk cap (row, key index, overhead). */
export function entryCostBytes(e: { topic: string; payload: string; key: string }): number {
  return e.topic.length + e.payload.length + 2 * e.key.length + 48;
}
