/**
 * Grouped commits on a worker thread. Accepted frames (submit) and the other
 * stores' writes (write) are collected for a few milliseconds and sent to the
 * committer's worker (commit-worker.ts, through commit-channel.ts), which
 * applies them in one transaction on its own connection to the WAL database
 * and answers after COMMIT. Each callback runs on that answer, so an ack sent
 * from it still means "durable" (SQLite WAL with synchronous=FULL), while the
 * main thread's event loop never waits for an fsync: frames keep flowing and
 * rule commands keep leaving during a commit.
 *
 * A batch is sent when its time is up (intervalMs) and nothing is in flight,
 * or when half a maxBatch has gathered behind the one in flight (two at most):
 * under load the worker always has the next batch, and the longer a commit
 * takes, the bigger the next one. At a quiet site the wait is not worth it:
 * after a small batch (fewer than `quietBatch` works) the next one is sent
 * on the next turn of the event loop (with every frame of the read that
 * brought it) instead of after the interval; a busy site (bigger batches)
 * keeps the interval, which holds its transactions per second down.
 *
 * Urgent work (alarm frames, `overtakes`) goes ahead of the queued work, so
 * it is in the next batch instead of behind seconds of telemetry when the
 * worker falls behind; urgent works keep their order among themselves. It is
 * sent at once when fewer than two batches are in flight (no interval wait). It
 * overtakes only when no queued work has its key (its device): a commit
 * stores the newest counter window of each device in the batch, and that
 * window must never claim a frame still waiting behind it.
 *
 * Frame work of a failed batch fails, and so does the frame work behind it
 * (batches in flight and queued), in order: the pipeline submits it again
 * before anything newer, so a stored counter window never claims a frame that
 * is not stored (the worker skips the frames of batches that were already on
 * their way: BatchApplier).
 */
import type { Logger } from "../../common/log.js";
import type { CommitCallback, GroupCommitterStats, Scheduler } from "../outbox/group-committer.js";
import { realScheduler } from "../outbox/group-committer.js";
import {
  type CommitChannel,
  type DoneAnswer,
  InlineChannel,
  WorkerChannel,
} from "./commit-channel.js";
import type { GatewayDatabase } from "./database.js";
import type { OutboxSnapshot } from "./worker-protocol.js";
import { mayAppend, type WriteOp } from "./write-ops.js";

/** A write's callback: the error, or the seqs of its reported outbox appends. */
export type WriteCallback = (err?: Error, seqs?: number[]) => void;

export interface WorkerCommitterOptions<W> {
  /** The database file. */
  path: string;
  capBytes?: number;
  /** Benchmarks of the CPU path only: no fsync. */
  unsafeNoSync?: boolean;
  /** Longest a submission waits before its batch is sent (default 4 ms). */
  intervalMs?: number;
  /**
   * After a batch of fewer works than this, the next one does not wait for
   * the interval (default 16; 0: always wait).
   */
  quietBatch?: number;
  /** Most frames in one transaction (default 2,000). */
  maxBatch?: number;
  /** The writes of a batch of submitted work (built when the batch is sent). */
  toOps(batch: W[]): WriteOp[];
  /**
   * After each answer with something committed (the uplink drains).
   * `appended`: the batch may have added outbox entries (frames, appends or
   * SQL); false for a batch of removals and counter windows only.
   */
  onCommitted?(appended: boolean): void;
  log?: Logger;
  scheduler?: Scheduler;
  /** Commit on this connection, on this thread (in-memory databases). */
  inline?: GatewayDatabase;
  /** Work that may go ahead of queued work, and the key two works must not swap over. */
  overtakes?: { urgent(work: W): boolean; key(work: W): number };
}

interface Batch {
  id: number;
  works: number;
  /** It may add outbox entries (see onCommitted). */
  appends: boolean;
  workCbs: Array<CommitCallback | undefined>;
  writeCbs: Array<WriteCallback | undefined>;
  /** Index of the frames' group in the request (-1: no frames). */
  frameGroup: number;
  /** Its frame callbacks already ran (an earlier batch failed). */
  framesSettled: boolean;
}

const SYNC_WAIT_MS = 30_000;
/**
 * Longest a lazy write (an outbox removal after its PUBACK) waits for a batch
 * to ride along with. Its own transaction cost as much as a frame batch's
 * (issue 15); until it commits, the drain hides the entries and a restart
 * sends them again (seq is the idempotency key downstream).
 */
export const LAZY_WRITE_MS = 100;
/** Batches in flight at once. */
const DEPTH = 2;

export class WorkerCommitter<W> {
  readonly stats: GroupCommitterStats = {
    batches: 0,
    committed: 0,
    failed: 0,
    largestBatch: 0,
    callbackErrors: 0,
  };
  /** The outbox after the latest commit (the writer's count and size). */
  outbox: OutboxSnapshot = { rows: 0, bytes: 0, thinned: 0, dropped: 0, overCap: false };
  private readonly opts: WorkerCommitterOptions<W>;
  private readonly scheduler: Scheduler;
  private readonly channel: CommitChannel;
  private readonly maxBatch: number;
  private works: W[] = [];
  private workCbs: Array<CommitCallback | undefined> = [];
  /** How many urgent works lead the queue. */
  private lead = 0;
  private writes: Array<{ ops: WriteOp[]; done: WriteCallback | undefined; lazy: boolean }> = [];
  private inflight: Batch[] = [];
  private nextId = 1;
  private timer: unknown;
  /** Armed while only lazy writes wait. */
  private lazyTimer: unknown;
  /** Time is up but the batch waits for an answer (or for the worker). */
  private due = false;
  /** The last batch sent had fewer frame works than quietBatch: do not wait for the interval. */
  private quiet = true;
  /** The next batch tells the worker that the main thread knows of a failure. */
  private resumeNext = false;
  private closed = false;

  constructor(opts: WorkerCommitterOptions<W>) {
    this.opts = opts;
    this.scheduler = opts.scheduler ?? realScheduler;
    this.maxBatch = opts.maxBatch ?? 2000;
    this.channel = opts.inline
      ? new InlineChannel(opts.inline, opts.capBytes)
      : new WorkerChannel({
          path: opts.path,
          scheduler: this.scheduler,
          ...(opts.capBytes !== undefined ? { capBytes: opts.capBytes } : {}),
          ...(opts.unsafeNoSync !== undefined ? { unsafeNoSync: opts.unsafeNoSync } : {}),
          ...(opts.log ? { log: opts.log } : {}),
        });
  }

  /** Starts the worker (opens its connection); resolves when it is ready. */
  async start(): Promise<void> {
    this.outbox = await this.channel.start({
      answer: (a) => this.answer(a),
      lost: (reason) => this.lost(reason),
      back: () => this.kick(),
    });
  }

  /** Queues frame work; `done` runs after the batch holding it committed (or failed). */
  submit(work: W, done?: CommitCallback): void {
    if (this.closed) {
      done?.(new Error("committer is closed"));
      return;
    }
    if (this.overtakes(work)) {
      this.works.splice(this.lead, 0, work);
      this.workCbs.splice(this.lead, 0, done);
      this.lead++;
      // An alarm does not wait for the interval, nor for the batch in flight to be answered:
      // it goes to the worker now, which commits it right after that batch.
      if (this.channel.ready() && this.inflight.length < DEPTH) {
        this.send();
        return;
      }
    } else {
      this.works.push(work);
      this.workCbs.push(done);
    }
    if (this.works.length >= this.maxBatch / 2) this.kick();
    else this.arm();
  }

  /** Urgent, and no work of its key waits behind the urgent ones at the head of the queue. */
  private overtakes(work: W): boolean {
    const o = this.opts.overtakes;
    if (!o?.urgent(work)) return false;
    const k = o.key(work);
    for (let i = this.lead; i < this.works.length; i++)
      if (o.key(this.works[i]!) === k) return false;
    return true;
  }

  /**
   * Queues other writes (one savepoint of the next batch); `done` runs after its commit.
   * `lazy`: no batch of its own before LAZY_WRITE_MS; it goes with the next one sent.
   */
  write(ops: WriteOp[], done?: WriteCallback, opts?: { lazy?: boolean }): void {
    if (this.closed) {
      done?.(new Error("committer is closed"));
      return;
    }
    const lazy = opts?.lazy === true;
    this.writes.push({ ops, done, lazy });
    if (lazy) this.armLazy();
    else this.arm();
  }

  private armLazy(): void {
    if (this.lazyTimer !== undefined || this.timer !== undefined || this.due) return;
    this.lazyTimer = this.scheduler.setTimeout(() => {
      this.lazyTimer = undefined;
      this.kick();
    }, LAZY_WRITE_MS);
  }

  /** Resolves once everything queued so far is committed (or failed). */
  durable(): Promise<void> {
    if (this.inflight.length === 0 && this.pending() === 0) return Promise.resolve();
    return new Promise((resolve) => this.write([], () => resolve()));
  }

  /** Frame works not yet committed: queued and in flight (ingest backpressure). */
  backlog(): number {
    let n = this.works.length;
    for (const b of this.inflight) if (!b.framesSettled) n += b.works;
    return n;
  }

  /** Frames and writes waiting to be sent. */
  pending(): number {
    return this.works.length + this.writes.length;
  }

  /**
   * Commits everything queued and waits for it, blocking this thread until the
   * worker answered (shutdown, simulations that settle between steps).
   */
  flush(): void {
    const deadline = Date.now() + SYNC_WAIT_MS;
    while (this.inflight.length > 0 || (this.pending() > 0 && this.channel.ready())) {
      if (this.pending() > 0 && this.channel.ready() && this.inflight.length < DEPTH) {
        this.send();
      } else if (!this.channel.waitSync(deadline)) {
        this.opts.log?.error("commit worker did not answer", { waitedMs: SYNC_WAIT_MS });
        this.lost("commit worker did not answer");
      }
    }
  }

  /** Commits what is queued, refuses further work and stops the worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.clearTimer();
    // Only when the worker is down: what could not be committed fails (and is not acked).
    this.failQueuedWork("committer is closed");
    const writes = this.writes;
    this.writes = [];
    for (const w of writes) this.call(w.done, new Error("committer is closed"));
    await this.channel.close();
  }

  private arm(): void {
    if (this.timer !== undefined || this.due) return;
    this.timer = this.scheduler.setTimeout(
      () => {
        this.timer = undefined;
        this.kick();
      },
      this.quiet ? 0 : (this.opts.intervalMs ?? 4),
    );
  }

  private clearTimer(): void {
    if (this.lazyTimer !== undefined) {
      this.scheduler.clearTimeout(this.lazyTimer);
      this.lazyTimer = undefined;
    }
    if (this.timer === undefined) return;
    this.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Sends now when the worker can take it, else as soon as it can (see the header). */
  private kick(): void {
    if (this.pending() === 0) return;
    const n = this.inflight.length;
    const canSend =
      this.channel.ready() && (n === 0 || (n < DEPTH && this.works.length >= this.maxBatch / 2));
    if (canSend) this.send();
    else {
      this.due = true;
      this.clearTimer();
    }
  }

  private send(): void {
    this.clearTimer();
    this.due = false;
    if (this.pending() === 0) return;
    let works = this.works;
    let workCbs = this.workCbs;
    if (works.length > this.maxBatch) {
      this.works = works.slice(this.maxBatch);
      this.workCbs = workCbs.slice(this.maxBatch);
      this.lead = Math.max(0, this.lead - this.maxBatch);
      works = works.slice(0, this.maxBatch);
      workCbs = workCbs.slice(0, this.maxBatch);
      this.due = true;
    } else {
      this.works = [];
      this.workCbs = [];
      this.lead = 0;
    }
    if (works.length > 0) this.quiet = works.length < (this.opts.quietBatch ?? 16);
    const writes = this.writes;
    this.writes = [];
    const groups: WriteOp[][] = writes.map((w) => w.ops);
    let frameGroup = -1;
    if (works.length > 0) {
      try {
        groups.push(this.opts.toOps(works));
        frameGroup = groups.length - 1;
      } catch (err) {
        this.stats.failed += works.length;
        this.callAll(workCbs, err instanceof Error ? err : new Error(String(err)));
        this.failLater();
      }
    }
    if (groups.length === 0) return;
    const batch: Batch = {
      id: this.nextId++,
      works: frameGroup >= 0 ? works.length : 0,
      appends: frameGroup >= 0 || groups.some((g) => g.some(mayAppend)),
      workCbs: frameGroup >= 0 ? workCbs : [],
      writeCbs: writes.map((w) => w.done),
      frameGroup,
      framesSettled: false,
    };
    this.inflight.push(batch);
    const resume = this.resumeNext;
    this.resumeNext = false;
    this.channel.send({ t: "commit", id: batch.id, groups, frameGroup, resume });
  }

  private answer(m: DoneAnswer): void {
    const i = this.inflight.findIndex((b) => b.id === m.id);
    if (i < 0) return;
    const [batch] = this.inflight.splice(i, 1);
    this.done(batch!, m);
  }

  private done(batch: Batch, m: DoneAnswer): void {
    this.outbox = m.outbox;
    if (m.commitError === null) this.stats.batches++;
    if (batch.frameGroup >= 0 && !batch.framesSettled) {
      batch.framesSettled = true;
      const err = m.commitError ?? m.results[batch.frameGroup]?.error ?? null;
      if (err !== null) {
        this.stats.failed += batch.works;
        this.callAll(batch.workCbs, new Error(err));
        this.failLater();
      } else {
        this.stats.committed += batch.works;
        if (batch.works > this.stats.largestBatch) this.stats.largestBatch = batch.works;
        this.callAll(batch.workCbs, undefined);
      }
    }
    batch.writeCbs.forEach((cb, i) => {
      const r = m.results[i];
      const err = m.commitError ?? r?.error ?? null;
      if (err === null) this.call(cb, undefined, r?.seqs ?? []);
      else this.call(cb, new Error(err));
    });
    if (m.commitError === null) this.opts.onCommitted?.(batch.appends);
    if (this.due) this.kick();
    else if (this.works.length > 0 || this.writes.some((w) => !w.lazy)) this.arm();
    else if (this.writes.length > 0) this.armLazy();
  }

  /** The worker is gone: the batches it held fail, in order. */
  private lost(reason: string): void {
    while (this.inflight.length > 0) {
      const b = this.inflight.shift()!;
      const results = Array.from(
        { length: b.writeCbs.length + (b.frameGroup >= 0 ? 1 : 0) },
        () => ({
          error: reason,
          seqs: [],
        }),
      );
      this.done(b, { t: "done", id: b.id, results, commitError: reason, outbox: this.outbox });
    }
  }

  /** Frame work behind a failed batch fails too, in order: in flight, then queued. */
  private failLater(): void {
    this.resumeNext = true;
    for (const b of this.inflight) {
      if (b.frameGroup < 0 || b.framesSettled) continue;
      b.framesSettled = true;
      this.stats.failed += b.works;
      this.callAll(b.workCbs, new Error("an earlier commit failed"));
    }
    this.failQueuedWork("an earlier commit failed");
  }

  private failQueuedWork(reason: string): void {
    if (this.works.length === 0) return;
    const cbs = this.workCbs;
    this.stats.failed += this.works.length;
    this.works = [];
    this.workCbs = [];
    this.lead = 0;
    this.callAll(cbs, new Error(reason));
  }

  private callAll(cbs: Array<CommitCallback | undefined>, err: Error | undefined): void {
    for (const cb of cbs) this.call(cb, err);
  }

  /** A failing callback must not stop the others (errors stay in their room). */
  private call(cb: WriteCallback | undefined, err: Error | undefined, seqs?: number[]): void {
    try {
      if (err) cb?.(err);
      else cb?.(undefined, seqs);
    } catch {
      this.stats.callbackErrors++;
    }
  }
}
