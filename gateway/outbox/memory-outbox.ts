/**
 * In-memory Outbox for unit tests of other stages. Same ordering and cap
 * policy as the SQLite outbox (it passes outbox.contract.ts); not durable.
 */
import type {
  Outbox,
  OutboxCursor,
  OutboxEntry,
  OutboxItem,
  OutboxWalk,
  Priority,
} from "../types.js";
import { PRIORITY_TELEMETRY } from "../types.js";
import { type CapTarget, enforceCap, type OutboxCapOptions, type OutboxStats } from "./cap.js";
import { entryCostBytes, type OrderingSource, peekOrdered, walkOrdered } from "./ordering.js";

interface Row extends OutboxEntry {
  thinned: boolean;
}

function byPrioritySeq(a: OutboxCursor, b: OutboxCursor): number {
  return a.priority - b.priority || a.seq - b.seq;
}

export class MemoryOutbox implements Outbox {
  readonly stats: OutboxStats = { bytes: 0, thinned: 0, dropped: 0, overCap: false };
  private readonly rows = new Map<number, Row>();
  private nextSeq = 1;
  private readonly opts: OutboxCapOptions;

  constructor(opts: OutboxCapOptions = {}) {
    this.opts = opts;
  }

  append(items: OutboxItem[]): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    for (const it of items) {
      const row: Row = { ...it, seq: this.nextSeq++, thinned: false };
      this.rows.set(row.seq, row);
      this.stats.bytes += entryCostBytes(row);
      out.push(strip(row));
    }
    enforceCap(this.capTarget(), this.opts, this.stats);
    return out;
  }

  peek(limit: number): OutboxEntry[] {
    return peekOrdered(this.source(), limit);
  }

  walk(from: OutboxCursor | undefined, limit: number, below?: Priority): OutboxWalk {
    return walkOrdered(this.source(), limit, from, below);
  }

  private source(): OrderingSource {
    const all = [...this.rows.values()];
    return {
      candidates: (after, n, below) => {
        const sorted = all.sort(byPrioritySeq);
        const from = after ? sorted.filter((r) => byPrioritySeq(r, after) > 0) : sorted;
        return from
          .filter((r) => below === undefined || r.priority < below)
          .slice(0, n)
          .map(strip);
      },
      predecessors: (key, seq, n) =>
        all
          .filter((r) => r.key === key && r.seq < seq)
          .sort((a, b) => a.seq - b.seq)
          .slice(0, n)
          .map(strip),
    };
  }

  remove(seqs: number[]): void {
    for (const s of seqs) this.delete(s);
  }

  depth(): number {
    return this.rows.size;
  }

  oldestAgeS(now: number): number {
    let oldest: number | undefined;
    for (const r of this.rows.values())
      if (oldest === undefined || r.createdAt < oldest) oldest = r.createdAt;
    return oldest === undefined ? 0 : Math.max(0, (now - oldest) / 1000);
  }

  private delete(seq: number): boolean {
    const r = this.rows.get(seq);
    if (!r) return false;
    this.rows.delete(seq);
    this.stats.bytes -= entryCostBytes(r);
    return true;
  }

  private telemetry(): Row[] {
    return [...this.rows.values()].filter((r) => r.priority === PRIORITY_TELEMETRY);
  }

  private capTarget(): CapTarget {
    return {
      bytes: () => this.stats.bytes,
      thinBoundary: () => {
        const t = this.telemetry().filter((r) => !r.thinned);
        if (t.length === 0) return undefined;
        return t[Math.floor((t.length - 1) / 2)]!.seq;
      },
      thin: (boundary) => {
        const perKey = new Map<string, number>();
        let deleted = 0;
        for (const r of this.telemetry()) {
          if (r.thinned || r.seq > boundary) continue;
          const rn = (perKey.get(r.key) ?? 0) + 1;
          perKey.set(r.key, rn);
          if (rn % 2 === 0) {
            if (this.delete(r.seq)) deleted++;
          } else {
            r.thinned = true;
          }
        }
        return deleted;
      },
      dropOldestTelemetry: (n) => {
        let deleted = 0;
        for (const r of this.telemetry()) {
          if (deleted >= n) break;
          if (this.delete(r.seq)) deleted++;
        }
        return deleted;
      },
    };
  }
}

function strip(r: Row | OutboxEntry): OutboxEntry {
  return {
    seq: r.seq,
    priority: r.priority,
    topic: r.topic,
    payload: r.payload,
    key: r.key,
    createdAt: r.createdAt,
  };
}
