/**
 * Writes to the gateway database as plain values, so they can be carried to
 * the committer's worker thread (structured clone) and applied there in one
 * transaction: outbox entries, counter windows, outbox removals and prepared
 * statements of the other stores (alarms, last-heard details, queued
 * downlinks). The same executor runs on the main thread when the database is
 * in memory (tests, the simulator's fleets).
 */
import type { Statement } from "better-sqlite3";
import { CounterStore } from "../dedup/counter-store.js";
import type { DeviceWindow } from "../dedup/counter-table.js";
import { SqliteOutbox } from "../outbox/sqlite-outbox.js";
import { type FramesOp, framesToItems } from "../pipeline/commit-ops.js";
import type { Outbox, OutboxItem } from "../types.js";
import type { GatewayDatabase } from "./database.js";
import type { OutboxSnapshot } from "./worker-protocol.js";

export type SqlValue = number | string | bigint | null | Uint8Array;

export type WriteOp =
  /** Accepted frames: decoded here into uplink envelopes and appended to the outbox. */
  | FramesOp
  /** New outbox entries (seq assigned by the database; `report`: return the seqs). */
  | { kind: "append"; items: OutboxItem[]; report?: boolean }
  /** Counter windows; the last one per device wins. */
  | { kind: "windows"; windows: DeviceWindow[] }
  /** Outbox entries the cloud broker acknowledged. */
  | { kind: "remove"; seqs: number[] }
  /** One prepared statement, run once per row of parameters. */
  | { kind: "run"; sql: string; rows: SqlValue[][] };

/** Removals and counter windows add no outbox entries; any other op may. */
export function mayAppend(op: WriteOp): boolean {
  return op.kind !== "remove" && op.kind !== "windows";
}

export interface GroupResult {
  error: string | null;
  seqs: number[];
}

/** Applies WriteOps on one connection; statements are prepared once and reused. */
/** PRAGMA synchronous = FULL, as the pragma reads it back. */
const SYNCHRONOUS_FULL = 2;

export class WriteExecutor {
  private readonly db: GatewayDatabase;
  private readonly outbox: Outbox | undefined;
  private readonly windows: CounterStore;
  private readonly statements = new Map<string, Statement>();
  private readonly group: (ops: readonly WriteOp[]) => number[];

  /** Without an outbox, "append" and "remove" ops throw. */
  constructor(db: GatewayDatabase, outbox?: Outbox) {
    this.db = db;
    this.outbox = outbox;
    this.windows = new CounterStore(db);
    this.group = db.transaction((ops: readonly WriteOp[]) => {
      const seqs: number[] = [];
      for (const op of ops) this.one(op, seqs);
      return seqs;
    });
  }

  /**
   * Applies each group in one transaction. Inside a caller's transaction a
   * group is a savepoint: a group that throws is rolled back alone and its
   * error returned in its slot; the others stay. Each group's result also
   * lists the seqs of its reported appends.
   */
  applyGroups(groups: readonly (readonly WriteOp[])[]): GroupResult[] {
    return groups.map((g) => {
      try {
        return { error: null, seqs: this.group(g) };
      } catch (err) {
        return { error: err instanceof Error ? err.message : String(err), seqs: [] };
      }
    });
  }

  /** Runs `fn` in one transaction (one COMMIT, one fsync). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /**
   * `transaction` without the fsync of its COMMIT (synchronous=NORMAL for
   * it): a process crash does not lose it (WAL), a power cut may, and the
   * next COMMIT's fsync covers it too. For removals of published outbox
   * entries only: a lost removal publishes an entry again under the same seq,
   * the idempotency key downstream. Half the commits of a drain are those.
   */
  transactionWithoutSync<T>(fn: () => T): T {
    if (this.db.pragma("synchronous", { simple: true }) !== SYNCHRONOUS_FULL)
      return this.transaction(fn);
    this.db.pragma("synchronous = NORMAL");
    try {
      return this.transaction(fn);
    } finally {
      this.db.pragma("synchronous = FULL");
    }
  }

  /** Applies ops in one transaction (a savepoint inside a caller's transaction). */
  apply(ops: readonly WriteOp[]): void {
    this.group(ops);
  }

  private appendQuietly(items: OutboxItem[]): void {
    const o = this.requireOutbox();
    if (o instanceof SqliteOutbox) o.appendQuietly(items);
    else o.append(items);
  }

  private requireOutbox(): Outbox {
    if (!this.outbox) throw new Error("no outbox to write to");
    return this.outbox;
  }

  private one(op: WriteOp, seqs: number[]): void {
    switch (op.kind) {
      case "frames":
        this.appendQuietly(framesToItems(op));
        return;
      case "append": {
        if (!op.report) {
          this.appendQuietly(op.items);
          return;
        }
        for (const e of this.requireOutbox().append(op.items)) seqs.push(e.seq);
        return;
      }
      case "windows":
        this.windows.save(op.windows);
        return;
      case "remove":
        this.requireOutbox().remove(op.seqs);
        return;
      case "run": {
        let st = this.statements.get(op.sql);
        if (!st) {
          st = this.db.prepare(op.sql);
          this.statements.set(op.sql, st);
        }
        for (const row of op.rows) st.run(...row);
        return;
      }
    }
  }
}

/** The outbox as its writer sees it. */
export function outboxSnapshot(o: SqliteOutbox): OutboxSnapshot {
  return { rows: o.depth(), ...o.stats };
}

/**
 * Applies a batch (groups of ops) in one transaction: one COMMIT, one fsync
 * (none for a batch of outbox removals only: transactionWithoutSync). A
 * failed COMMIT fails every group.
 */
export function commitGroups(
  exec: WriteExecutor,
  outbox: SqliteOutbox,
  groups: readonly (readonly WriteOp[])[],
): { results: GroupResult[]; commitError: string | null; outbox: OutboxSnapshot } {
  let results: GroupResult[];
  let commitError: string | null = null;
  const removalsOnly = groups.every((g) => g.every((op) => op.kind === "remove"));
  try {
    results = removalsOnly
      ? exec.transactionWithoutSync(() => exec.applyGroups(groups))
      : exec.transaction(() => exec.applyGroups(groups));
  } catch (err) {
    const e = err instanceof Error ? err.message : String(err);
    commitError = e;
    results = groups.map(() => ({ error: e, seqs: [] }));
  }
  // A rolled-back group leaves the outbox's cached size behind the table: read it again.
  if (commitError !== null || results.some((r) => r.error !== null)) outbox.reloadTotals();
  return { results, commitError, outbox: outboxSnapshot(outbox) };
}

/**
 * Applies the committer's batches in order. Once a batch's frames fail, the
 * frames of the batches already on their way behind it fail too, unapplied
 * (the main thread fails them as well, in order, and submits them again in a
 * batch marked `resume`): a stored counter window never claims a frame that
 * is not stored. Other groups (alarm rows, removals) are applied as usual.
 */
export class BatchApplier {
  private poisoned = false;

  constructor(
    private readonly exec: WriteExecutor,
    private readonly outbox: SqliteOutbox,
  ) {}

  apply(m: {
    groups: WriteOp[][];
    frameGroup: number;
    resume: boolean;
  }): ReturnType<typeof commitGroups> {
    if (m.resume) this.poisoned = false;
    const skip = this.poisoned ? m.frameGroup : -1;
    const groups = skip >= 0 ? m.groups.map((g, i) => (i === skip ? [] : g)) : m.groups;
    const r = commitGroups(this.exec, this.outbox, groups);
    if (skip >= 0) r.results[skip] = { error: "an earlier commit failed", seqs: [] };
    else if (
      m.frameGroup >= 0 &&
      (r.commitError !== null || r.results[m.frameGroup]?.error != null)
    )
      this.poisoned = true;
    return r;
  }
}
