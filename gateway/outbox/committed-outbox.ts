/**
 * The main thread's view of the outbox that the committer's worker writes:
 * entries are read on the main thread's own connection (WAL readers never
 * wait for the writer), removals after a PUBACK go to the committer, and
 * size is the writer's, as of its latest commit. An entry whose removal is on
 * its way is hidden at once, so the next peek does not hand it out again;
 * should the removal fail it shows up again (and is published again: seq is
 * the idempotency key downstream).
 *
 * `append` waits for its commit (it blocks this thread until the worker
 * answered): for rare callers and the contract suite. The gateway's frames
 * and alarms are appended through the committer's grouped batches instead.
 */
import type { WriteOp } from "../storage/write-ops.js";
import type {
  Outbox,
  OutboxCursor,
  OutboxEntry,
  OutboxItem,
  OutboxWalk,
  Priority,
} from "../types.js";
import type { OutboxStats } from "./cap.js";
import type { SqliteOutbox } from "./sqlite-outbox.js";

export interface OutboxWriter {
  /** The outbox after the latest commit. */
  readonly outbox: { rows: number } & OutboxStats;
  /** `lazy`: may wait for a while to share the next commit (see WorkerCommitter.write). */
  write(
    ops: WriteOp[],
    done?: (err?: Error, seqs?: number[]) => void,
    opts?: { lazy?: boolean },
  ): void;
  /** Commits everything queued, blocking until it is done. */
  flush(): void;
}

export class CommittedOutbox implements Outbox {
  private readonly reader: SqliteOutbox;
  private readonly writer: OutboxWriter;
  private readonly removing = new Set<number>();

  constructor(reader: SqliteOutbox, writer: OutboxWriter) {
    this.reader = reader;
    this.writer = writer;
  }

  get stats(): OutboxStats {
    const o = this.writer.outbox;
    return { bytes: o.bytes, thinned: o.thinned, dropped: o.dropped, overCap: o.overCap };
  }

  append(items: OutboxItem[]): OutboxEntry[] {
    if (items.length === 0) return [];
    let result: { err?: Error; seqs: number[] } | undefined;
    this.writer.write([{ kind: "append", items, report: true }], (err, seqs) => {
      result = err ? { err, seqs: [] } : { seqs: seqs ?? [] };
    });
    this.writer.flush();
    if (!result) throw new Error("outbox append was not committed");
    if (result.err) throw result.err;
    const seqs = result.seqs;
    return items.map((it, i) => ({ ...it, seq: seqs[i]! }));
  }

  peek(limit: number): OutboxEntry[] {
    if (this.removing.size === 0) return this.reader.peek(limit);
    return this.reader
      .peek(limit + this.removing.size)
      .filter((e) => !this.removing.has(e.seq))
      .slice(0, limit);
  }

  walk(from: OutboxCursor | undefined, limit: number, below?: Priority): OutboxWalk {
    // From the start, the entries being removed are read too: ask for that many more.
    const extra = from === undefined ? this.removing.size : 0;
    const w = this.reader.walk(from, limit + extra, below);
    if (this.removing.size === 0) return w;
    return { ...w, entries: w.entries.filter((e) => !this.removing.has(e.seq)) };
  }

  urgentAfter(seq: number): boolean {
    return this.reader.urgentAfter(seq);
  }

  remove(seqs: number[]): void {
    const fresh = seqs.filter((s) => !this.removing.has(s));
    if (fresh.length === 0) return;
    for (const s of fresh) this.removing.add(s);
    // A removal shares the next commit (frames come every few ms at a busy site) rather than
    // paying a transaction of its own per PUBACK group.
    this.writer.write(
      [{ kind: "remove", seqs: fresh }],
      () => {
        for (const s of fresh) this.removing.delete(s);
      },
      { lazy: true },
    );
  }

  /** Entries as of the latest commit, less those whose removal is on its way. */
  depth(): number {
    const rows = this.writer.outbox.rows;
    if (this.removing.size === 0) return rows;
    return Math.max(0, rows - this.reader.countPresent([...this.removing]));
  }

  oldestAgeS(now: number): number {
    return this.reader.oldestAgeS(now);
  }
}
