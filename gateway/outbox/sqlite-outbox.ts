/**
 * The durable outbox in the gateway's SQLite database (WAL, synchronous=FULL).
 * `append` is one transaction: when it returns the entries are on disk. Seq
 * comes from AUTOINCREMENT, so it is never reused, even after the newest
 * entries were removed: downstream uses it as the idempotency key.
 * Grouping many appends into one commit is the GroupCommitter's job.
 */
import type { Statement } from "better-sqlite3";
import type { GatewayDatabase } from "../storage/database.js";
import type { Outbox, OutboxEntry, OutboxItem, Priority } from "../types.js";
import { PRIORITY_TELEMETRY } from "../types.js";
import { type CapTarget, enforceCap, type OutboxCapOptions, type OutboxStats } from "./cap.js";
import {
  entryCostBytes,
  type OrderingSource,
  peekOrdered,
  type Walk,
  type WalkCursor,
  walkOrdered,
} from "./ordering.js";

const COST_SQL = "length(topic) + length(payload) + 2 * length(key) + 48";
/** Rows come back as OutboxEntry objects as they are (no copy per row). */
const COLS = "seq, priority, topic, payload, key, created_at AS createdAt";
/**
 * The page after a walk's cursor (priority, seq) as two index seeks merged in order: the rest
 * of the cursor's priority, then the priorities above it. Written as one OR, SQLite scanned
 * the index from its start over every entry still in flight (EXPLAIN QUERY PLAN: SCAN).
 * Arguments: priority, seq, priority, limit.
 */
export const PAGE_AFTER_SQL = `SELECT ${COLS} FROM outbox WHERE priority = ? AND seq > ? UNION ALL SELECT ${COLS} FROM outbox WHERE priority > ? ORDER BY priority, seq LIMIT ?`;
/** PAGE_AFTER_SQL over the priorities below a bound. Arguments: priority, seq, below, priority, below, limit. */
export const PAGE_AFTER_BELOW_SQL = `SELECT ${COLS} FROM outbox WHERE priority = ? AND seq > ? AND priority < ? UNION ALL SELECT ${COLS} FROM outbox WHERE priority > ? AND priority < ? ORDER BY priority, seq LIMIT ?`;
const INSERT_ROWS = 64;
const DELETE_ROWS = 500;

export interface SqliteOutboxOptions extends OutboxCapOptions {
  /**
   * Count depth and size at start (default true). A connection that only
   * reads (the main thread, when the committer's worker writes) skips the scan.
   */
  countTotals?: boolean;
}

export class SqliteOutbox implements Outbox {
  readonly stats: OutboxStats = { bytes: 0, thinned: 0, dropped: 0, overCap: false };
  private readonly db: GatewayDatabase;
  private readonly opts: OutboxCapOptions;
  private readonly insert: Statement;
  private readonly inserts = new Map<number, Statement>();
  private readonly args: Array<number | string> = [];
  private readonly firstPage: Statement;
  private readonly nextPage: Statement;
  private readonly firstPageBelow: Statement;
  private readonly nextPageBelow: Statement;
  private readonly preds: Statement;
  private readonly del: Statement;
  private readonly delMany: Statement;
  private readonly count: Statement;
  private readonly oldest: Statement;
  private readonly urgent: Statement;
  private readonly appendTx: (items: OutboxItem[], entries: boolean) => OutboxEntry[];
  private rowCount: number;

  constructor(db: GatewayDatabase, opts: SqliteOutboxOptions = {}) {
    this.db = db;
    this.opts = opts;
    this.insert = db.prepare(
      "INSERT INTO outbox (priority, topic, payload, key, created_at) VALUES (?, ?, ?, ?, ?)",
    );
    this.firstPage = db.prepare(`SELECT ${COLS} FROM outbox ORDER BY priority, seq LIMIT ?`);
    this.nextPage = db.prepare(PAGE_AFTER_SQL);
    this.firstPageBelow = db.prepare(
      `SELECT ${COLS} FROM outbox WHERE priority < ? ORDER BY priority, seq LIMIT ?`,
    );
    this.nextPageBelow = db.prepare(PAGE_AFTER_BELOW_SQL);
    this.preds = db.prepare(
      `SELECT ${COLS} FROM outbox WHERE key = ? AND seq < ? ORDER BY seq LIMIT ?`,
    );
    this.del = db.prepare(`DELETE FROM outbox WHERE seq = ? RETURNING ${COST_SQL} AS cost`);
    this.delMany = db.prepare(
      `DELETE FROM outbox WHERE seq IN (SELECT value FROM json_each(?)) RETURNING ${COST_SQL} AS cost`,
    );
    this.count = db.prepare("SELECT COUNT(*) AS n FROM outbox");
    this.oldest = db.prepare("SELECT created_at FROM outbox ORDER BY seq LIMIT 1");
    this.urgent = db.prepare(
      "SELECT 1 FROM outbox WHERE (priority = 0 AND seq > ?) OR (priority = 1 AND seq > ?) LIMIT 1",
    );
    this.rowCount = 0;
    if (opts.countTotals !== false) this.reloadTotals();
    this.appendTx = db.transaction((items: OutboxItem[], entries: boolean) => {
      const out: OutboxEntry[] = [];
      // Up to INSERT_ROWS rows per INSERT statement (a third of the per-row cost of single
      // inserts). The rows of one statement get consecutive seqs (AUTOINCREMENT takes the
      // next number for each row in order), so the last one gives them all.
      for (let i = 0; i < items.length; i += INSERT_ROWS) {
        const n = Math.min(INSERT_ROWS, items.length - i);
        const args = this.args;
        args.length = n * 5;
        for (let j = 0; j < n; j++) {
          const it = items[i + j]!;
          const o = j * 5;
          args[o] = it.priority;
          args[o + 1] = it.topic;
          args[o + 2] = it.payload;
          args[o + 3] = it.key;
          args[o + 4] = it.createdAt;
          this.stats.bytes += entryCostBytes(it);
        }
        const last = Number(this.insertRows(n).run(args).lastInsertRowid);
        if (entries)
          for (let j = 0; j < n; j++) out.push({ ...items[i + j]!, seq: last - n + 1 + j });
      }
      this.rowCount += items.length;
      enforceCap(this.capTarget(), this.opts, this.stats);
      return out;
    });
  }

  /** The INSERT of `n` rows (prepared once per size). */
  private insertRows(n: number): Statement {
    if (n === 1) return this.insert;
    let st = this.inserts.get(n);
    if (!st) {
      st = this.db.prepare(
        `INSERT INTO outbox (priority, topic, payload, key, created_at) VALUES ${Array.from({ length: n }, () => "(?, ?, ?, ?, ?)").join(", ")}`,
      );
      this.inserts.set(n, st);
    }
    return st;
  }

  /** One transaction; nested inside a caller's transaction it becomes a savepoint. */
  append(items: OutboxItem[]): OutboxEntry[] {
    return this.appendRows(items, true);
  }

  /** append without building the entries (the committer's batches need no seqs back). */
  appendQuietly(items: OutboxItem[]): void {
    this.appendRows(items, false);
  }

  private appendRows(items: OutboxItem[], entries: boolean): OutboxEntry[] {
    if (items.length === 0) return [];
    const before = { bytes: this.stats.bytes, rows: this.rowCount };
    try {
      return this.appendTx(items, entries);
    } catch (err) {
      this.stats.bytes = before.bytes;
      this.rowCount = before.rows;
      throw err;
    }
  }

  peek(limit: number): OutboxEntry[] {
    return peekOrdered(this.source, limit);
  }

  /** The walk from `from` on (over the priorities below `below` only, when given). */
  walk(from: WalkCursor | undefined, limit: number, below?: Priority): Walk {
    return walkOrdered(this.source, limit, from, below);
  }

  private readonly source: OrderingSource = {
    candidates: (after, n, below) =>
      (below === undefined
        ? after
          ? this.nextPage.all(after.priority, after.seq, after.priority, n)
          : this.firstPage.all(n)
        : after
          ? this.nextPageBelow.all(after.priority, after.seq, below, after.priority, below, n)
          : this.firstPageBelow.all(below, n)) as OutboxEntry[],
    predecessors: (key, seq, n) => this.preds.all(key, seq, n) as OutboxEntry[],
  };

  /** An alarm or event entry with a seq above `seq` (two index seeks). */
  urgentAfter(seq: number): boolean {
    return this.urgent.get(seq, seq) !== undefined;
  }

  remove(seqs: number[]): void {
    if (seqs.length === 0) return;
    // One DELETE per few hundred seqs (a statement per row cost a tenth of the writer's time).
    this.db.transaction(() => {
      for (let i = 0; i < seqs.length; i += DELETE_ROWS) {
        const rows = this.delMany.all(JSON.stringify(seqs.slice(i, i + DELETE_ROWS))) as Array<{
          cost: number;
        }>;
        for (const r of rows) this.stats.bytes -= r.cost;
        this.rowCount -= rows.length;
      }
    })();
  }

  depth(): number {
    return this.rowCount;
  }

  /** How many of `seqs` are in the table. */
  countPresent(seqs: readonly number[]): number {
    if (seqs.length === 0) return 0;
    const r = this.db
      .prepare("SELECT COUNT(*) AS n FROM outbox WHERE seq IN (SELECT value FROM json_each(?))")
      .get(JSON.stringify(seqs)) as { n: number };
    return r.n;
  }

  /** Reads depth and size from the table (at start, and after a rolled-back transaction). */
  reloadTotals(): void {
    const totals = this.db
      .prepare(`SELECT COUNT(*) AS n, SUM(${COST_SQL}) AS b FROM outbox`)
      .get() as { n: number; b: number | null };
    this.rowCount = totals.n;
    this.stats.bytes = totals.b ?? 0;
  }

  /** Recounts from the table (the cached depth is exact unless another writer shares the table). */
  recount(): number {
    this.rowCount = (this.count.get() as { n: number }).n;
    return this.rowCount;
  }

  oldestAgeS(now: number): number {
    const r = this.oldest.get() as { created_at: number } | undefined;
    return r ? Math.max(0, (now - r.created_at) / 1000) : 0;
  }

  private deleteOne(seq: number): boolean {
    const r = this.del.get(seq) as { cost: number } | undefined;
    if (!r) return false;
    this.stats.bytes -= r.cost;
    this.rowCount--;
    return true;
  }

  private capTarget(): CapTarget {
    const db = this.db;
    return {
      bytes: () => this.stats.bytes,
      thinBoundary: () => {
        const n = (
          db
            .prepare("SELECT COUNT(*) AS n FROM outbox WHERE priority = ? AND thinned = 0")
            .get(PRIORITY_TELEMETRY) as { n: number }
        ).n;
        if (n === 0) return undefined;
        const r = db
          .prepare(
            "SELECT seq FROM outbox WHERE priority = ? AND thinned = 0 ORDER BY seq LIMIT 1 OFFSET ?",
          )
          .get(PRIORITY_TELEMETRY, Math.floor((n - 1) / 2)) as { seq: number };
        return r.seq;
      },
      thin: (boundary) => {
        const victims = db
          .prepare(
            `SELECT seq FROM (
               SELECT seq, ROW_NUMBER() OVER (PARTITION BY key ORDER BY seq) AS rn
               FROM outbox WHERE priority = ? AND thinned = 0 AND seq <= ?
             ) WHERE rn % 2 = 0`,
          )
          .all(PRIORITY_TELEMETRY, boundary) as Array<{ seq: number }>;
        let deleted = 0;
        for (const v of victims) if (this.deleteOne(v.seq)) deleted++;
        db.prepare(
          "UPDATE outbox SET thinned = 1 WHERE priority = ? AND thinned = 0 AND seq <= ?",
        ).run(PRIORITY_TELEMETRY, boundary);
        return deleted;
      },
      dropOldestTelemetry: (n) => {
        const victims = db
          .prepare("SELECT seq FROM outbox WHERE priority = ? ORDER BY seq LIMIT ?")
          .all(PRIORITY_TELEMETRY, n) as Array<{ seq: number }>;
        let deleted = 0;
        for (const v of victims) if (this.deleteOne(v.seq)) deleted++;
        return deleted;
      },
    };
  }
}
