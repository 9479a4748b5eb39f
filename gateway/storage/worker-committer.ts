/**
 * Grouped commits on a worker thread. Accepted frames (submit) and the other
 * stores' writes (write) are collected for a few milliseconds and sent to the
 * committer's worker (commit-worker.ts), which applies them in one transaction
 * on its own connection to the WAL database and answers after COMMIT. Each
 * callback runs on that answer, so an ack sent from it still means "durable"
 * (SQLite WAL with synchronous=FULL), while the main thread's event loop never
 * waits for an fsync: frames keep flowing and rule commands keep leaving
 * during a commit. One batch is in flight at a time; what arrives meanwhile
 * forms the next batch (the longer a commit takes, the bigger the next one).
 *
 * Frame work of a failed batch fails, and so does frame work queued behind it,
 * in order: the pipeline submits it again before anything newer, so a stored
 * counter window never claims a frame that is not stored.
 *
 * An in-memory database cannot be shared with a thread: then (`inline`) the
 * same batches are applied on the main thread's connection.
 */
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
} from "node:worker_threads";
import type { Logger } from "../../common/log.js";
import type { CommitCallback, GroupCommitterStats, Scheduler } from "../outbox/group-committer.js";
import { realScheduler } from "../outbox/group-committer.js";
import { SqliteOutbox } from "../outbox/sqlite-outbox.js";
import type { GatewayDatabase } from "./database.js";
import type { CommitWorkerData, OutboxSnapshot, WorkerAnswer } from "./worker-protocol.js";
import { workerScript } from "./worker-script.js";
import { commitGroups, outboxSnapshot, WriteExecutor, type WriteOp } from "./write-ops.js";

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
  /** A batch this large is sent at once (default 2,000 frames). */
  maxBatch?: number;
  /** The writes of a batch of submitted work (built when the batch is sent). */
  toOps(batch: W[]): WriteOp[];
  /** After each answer with something committed (the uplink drains). */
  onCommitted?(): void;
  log?: Logger;
  scheduler?: Scheduler;
  /** Commit on this connection, on this thread (in-memory databases). */
  inline?: GatewayDatabase;
}

interface Batch {
  id: number;
  works: number;
  workCbs: Array<CommitCallback | undefined>;
  writeCbs: Array<WriteCallback | undefined>;
  /** Index of the frames' group in the request (-1: no frames). */
  frameGroup: number;
}

type Done = Extract<WorkerAnswer, { t: "done" }>;

const SYNC_WAIT_MS = 30_000;
const RESTART_MS = 1_000;

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
  private works: W[] = [];
  private workCbs: Array<CommitCallback | undefined> = [];
  private writes: Array<{ ops: WriteOp[]; done: WriteCallback | undefined }> = [];
  private inflight: Batch | undefined;
  private nextId = 1;
  private timer: unknown;
  /** The batch's time is up but another is in flight: send on its answer. */
  private due = false;
  private closed = false;
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  private signal: Int32Array | undefined;
  private ready = false;
  private inlineExec: { exec: WriteExecutor; outbox: SqliteOutbox } | undefined;

  constructor(opts: WorkerCommitterOptions<W>) {
    this.opts = opts;
    this.scheduler = opts.scheduler ?? realScheduler;
  }

  /** Starts the worker (opens its connection); resolves when it is ready. */
  async start(): Promise<void> {
    if (this.opts.inline) {
      const outbox = new SqliteOutbox(
        this.opts.inline,
        this.opts.capBytes !== undefined ? { capBytes: this.opts.capBytes } : {},
      );
      this.inlineExec = { exec: new WriteExecutor(this.opts.inline, outbox), outbox };
      this.outbox = outboxSnapshot(outbox);
      this.ready = true;
      return;
    }
    await this.spawn();
  }

  /** Queues frame work; `done` runs after the batch holding it committed (or failed). */
  submit(work: W, done?: CommitCallback): void {
    if (this.closed) {
      done?.(new Error("committer is closed"));
      return;
    }
    this.works.push(work);
    this.workCbs.push(done);
    if (this.works.length >= (this.opts.maxBatch ?? 2000)) this.kick();
    else this.arm();
  }

  /** Queues other writes (one savepoint of the next batch); `done` runs after its commit. */
  write(ops: WriteOp[], done?: WriteCallback): void {
    if (this.closed) {
      done?.(new Error("committer is closed"));
      return;
    }
    this.writes.push({ ops, done });
    this.arm();
  }

  /** Resolves once everything queued so far is committed (or failed). */
  durable(): Promise<void> {
    if (!this.inflight && this.pending() === 0) return Promise.resolve();
    return new Promise((resolve) => this.write([], () => resolve()));
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
    while (this.inflight || (this.pending() > 0 && this.ready)) {
      if (!this.inflight) this.send();
      if (this.inflight && !this.waitSync(deadline)) {
        this.opts.log?.error("commit worker did not answer", { waitedMs: SYNC_WAIT_MS });
        this.fail(this.inflight, "commit worker did not answer");
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
    this.failQueuedWork();
    const writes = this.writes;
    this.writes = [];
    for (const w of writes) this.callAll([w.done], new Error("committer is closed"));
    const w = this.worker;
    const port = this.port;
    this.worker = undefined;
    this.ready = false;
    if (!w || !port) return;
    const exited = new Promise<void>((resolve) => w.once("exit", () => resolve()));
    port.postMessage({ t: "close" });
    const deadline = Date.now() + 5_000;
    while (!this.closedAnswer && this.waitSync(deadline));
    port.close();
    await w.terminate();
    await exited;
  }

  private closedAnswer = false;

  private async spawn(): Promise<void> {
    const url = await workerScript("commit-worker");
    const { port1, port2 } = new MessageChannel();
    const sab = new SharedArrayBuffer(4);
    const data: CommitWorkerData = {
      path: this.opts.path,
      unsafeNoSync: this.opts.unsafeNoSync ?? false,
      port: port2,
      signal: sab,
      ...(this.opts.capBytes !== undefined ? { capBytes: this.opts.capBytes } : {}),
    };
    // A small young generation: the worker's garbage is short-lived batches, and a
    // gateway's resident memory matters more than a few more scavenges (gateway-memory bench).
    const worker = new Worker(url, {
      workerData: data,
      transferList: [port2],
      resourceLimits: { maxYoungGenerationSizeMb: 2 },
    });
    this.worker = worker;
    this.port = port1;
    this.signal = new Int32Array(sab);
    this.closedAnswer = false;
    worker.on("error", (err) =>
      this.opts.log?.error("commit worker failed", { error: String(err) }),
    );
    worker.on("exit", (code) => this.exited(worker, code));
    const first = await new Promise<WorkerAnswer>((resolve, reject) => {
      port1.once("message", resolve);
      worker.once("exit", (code) => reject(new Error(`commit worker exited with ${code}`)));
    });
    if (first.t !== "ready") {
      await worker.terminate();
      throw new Error(`commit worker: ${first.t === "failed" ? first.error : first.t}`);
    }
    this.outbox = first.outbox;
    port1.on("message", (m: WorkerAnswer) => this.answer(m));
    this.ready = true;
    if (this.pending() > 0) this.kick();
  }

  /** The worker went away without being closed: fail what it held, start another. */
  private exited(worker: Worker, code: number): void {
    // Before it was ready, spawn() reports the failure itself.
    if (this.worker !== worker || this.closed || !this.ready) return;
    this.opts.log?.error("commit worker exited", { code });
    this.worker = undefined;
    this.ready = false;
    this.port?.close();
    if (this.inflight) this.fail(this.inflight, `commit worker exited with ${code}`);
    this.restartLater();
  }

  private restartLater(): void {
    this.scheduler.setTimeout(() => {
      if (this.closed || this.worker) return;
      this.spawn().catch((err) => {
        this.opts.log?.error("commit worker restart failed", { error: String(err) });
        this.worker = undefined;
        this.restartLater();
      });
    }, RESTART_MS);
  }

  private arm(): void {
    if (this.timer !== undefined || this.due) return;
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, this.opts.intervalMs ?? 4);
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    this.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Sends now, or as soon as the batch in flight is answered. */
  private kick(): void {
    if (this.inflight || !this.ready) {
      this.due = true;
      this.clearTimer();
      return;
    }
    this.send();
  }

  private send(): void {
    this.clearTimer();
    this.due = false;
    if (this.pending() === 0) return;
    // At most maxBatch frames per transaction (bounded memory on both threads); the rest go next.
    const max = this.opts.maxBatch ?? 2000;
    let works = this.works;
    let workCbs = this.workCbs;
    if (works.length > max) {
      this.works = works.slice(max);
      this.workCbs = workCbs.slice(max);
      works = works.slice(0, max);
      workCbs = workCbs.slice(0, max);
      this.due = true;
    } else {
      this.works = [];
      this.workCbs = [];
    }
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
        this.failQueuedWork();
      }
    }
    const batch: Batch = {
      id: this.nextId++,
      works: frameGroup >= 0 ? works.length : 0,
      workCbs: frameGroup >= 0 ? workCbs : [],
      writeCbs: writes.map((w) => w.done),
      frameGroup,
    };
    if (groups.length === 0) return;
    if (this.inlineExec) {
      this.done(batch, this.applyInline(batch.id, groups));
      return;
    }
    this.inflight = batch;
    this.port!.postMessage({ t: "commit", id: batch.id, groups });
  }

  private applyInline(id: number, groups: WriteOp[][]): Done {
    const { exec, outbox } = this.inlineExec!;
    return { t: "done", id, ...commitGroups(exec, outbox, groups) };
  }

  private answer(m: WorkerAnswer): void {
    if (m.t === "closed") {
      this.closedAnswer = true;
      return;
    }
    if (m.t !== "done" || !this.inflight || this.inflight.id !== m.id) return;
    const batch = this.inflight;
    this.inflight = undefined;
    this.done(batch, m);
  }

  /** Waits (blocking) for the next answer and handles it; false when the deadline passed. */
  private waitSync(deadline: number): boolean {
    const port = this.port;
    const signal = this.signal;
    if (!port || !signal) return false;
    for (;;) {
      const seen = Atomics.load(signal, 0);
      const m = receiveMessageOnPort(port);
      if (m) {
        this.answer(m.message as WorkerAnswer);
        return true;
      }
      const left = deadline - Date.now();
      if (left <= 0) return false;
      Atomics.wait(signal, 0, seen, left);
    }
  }

  private done(batch: Batch, m: Done): void {
    this.outbox = m.outbox;
    if (m.commitError === null) this.stats.batches++;
    if (batch.frameGroup >= 0) {
      const err = m.commitError ?? m.results[batch.frameGroup]?.error ?? null;
      if (err !== null) {
        this.stats.failed += batch.works;
        this.callAll(batch.workCbs, new Error(err));
        this.failQueuedWork();
      } else {
        this.stats.committed += batch.works;
        if (batch.works > this.stats.largestBatch) this.stats.largestBatch = batch.works;
        this.callAll(batch.workCbs, undefined);
      }
    }
    batch.writeCbs.forEach((cb, i) => {
      const r = m.results[i];
      const err = m.commitError ?? r?.error ?? null;
      try {
        if (err === null) cb?.(undefined, r?.seqs ?? []);
        else cb?.(new Error(err));
      } catch {
        this.stats.callbackErrors++;
      }
    });
    if (m.commitError === null) this.opts.onCommitted?.();
    if (this.due) this.kick();
    else if (this.pending() > 0) this.arm();
  }

  /** Fails a batch the worker will never answer. */
  private fail(batch: Batch, reason: string): void {
    if (this.inflight === batch) this.inflight = undefined;
    const groups = batch.writeCbs.length + (batch.frameGroup >= 0 ? 1 : 0);
    this.done(batch, {
      t: "done",
      id: batch.id,
      results: Array.from({ length: groups }, () => ({ error: reason, seqs: [] })),
      commitError: reason,
      outbox: this.outbox,
    });
  }

  /** Frame work queued behind a failed batch fails too, in order (see the header). */
  private failQueuedWork(): void {
    if (this.works.length === 0) return;
    const cbs = this.workCbs;
    this.stats.failed += this.works.length;
    this.works = [];
    this.workCbs = [];
    this.callAll(cbs, new Error("an earlier commit failed"));
  }

  private callAll(cbs: Array<CommitCallback | undefined>, err: Error | undefined): void {
    for (const cb of cbs) {
      try {
        cb?.(err);
      } catch {
        // A failing callback must not stop the others (errors stay in their room).
        this.stats.callbackErrors++;
      }
    }
  }
}
