/**
 * The outbox's draining order, shared by every implementation: alarms first,
 * oldest first within a priority, and never two entries of one key out of
 * order. A high-priority entry whose key still has older entries pulls those
 * forward with it (priority inheritance), so per-key order holds and an alarm
 * waits only behind its own key's backlog, never behind other devices'.
 */
import { type OutboxEntry, PRIORITY_TELEMETRY } from "../types.js";

export interface OrderingSource {
  /** Entries in (priority, seq) order strictly after `after` (undefined = from the start). */
  candidates(after: OutboxEntry | undefined, limit: number): OutboxEntry[];
  /** Entries of `key` with seq below `seq`, oldest first. */
  predecessors(key: string, seq: number, limit: number): OutboxEntry[];
}

export function peekOrdered(src: OrderingSource, limit: number): OutboxEntry[] {
  const out: OutboxEntry[] = [];
  if (limit <= 0) return out;
  const chosen = new Set<number>();
  let cursor: OutboxEntry | undefined;
  for (;;) {
    const page = src.candidates(cursor, limit);
    for (const cand of page) {
      cursor = cand;
      if (chosen.has(cand.seq)) continue;
      // Its key's older entries of the same or a higher priority came before it in this walk
      // (priority, seq order): only lower-priority ones can be left behind. Telemetry has none.
      if (cand.priority >= PRIORITY_TELEMETRY) {
        out.push(cand);
        chosen.add(cand.seq);
        if (out.length >= limit) return out;
        continue;
      }
      const room = limit - out.length;
      const preds = src.predecessors(cand.key, cand.seq, room + chosen.size);
      for (const p of preds) {
        if (chosen.has(p.seq)) continue;
        if (out.length >= limit) return out;
        out.push(p);
        chosen.add(p.seq);
      }
      if (out.length >= limit) return out;
      out.push(cand);
      chosen.add(cand.seq);
      if (out.length >= limit) return out;
    }
    if (page.length < limit) return out;
  }
}

/** Bytes an entry is charged against the disk cap (row, key index, overhead). */
export function entryCostBytes(e: { topic: string; payload: string; key: string }): number {
  return e.topic.length + e.payload.length + 2 * e.key.length + 48;
}
