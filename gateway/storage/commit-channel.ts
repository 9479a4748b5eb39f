/**
 * The way to the committer's worker thread (commit-worker.ts): starts it,
 * sends it batches, hands its answers back in order, and starts a new one
 * when it dies. Answers come on a MessagePort of our own plus a shared
 * counter the worker bumps, so the main thread can also wait for one
 * synchronously (shutdown, simulations). An in-memory database cannot be
 * shared with a thread: InlineChannel applies the same batches on the main
 * thread's connection and answers at once.
 */
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
} from "node:worker_threads";
import type { Logger } from "../../common/log.js";
import { reapplyHeapLimits } from "../heap-limits.js";
import type { Scheduler } from "../outbox/group-committer.js";
import { SqliteOutbox } from "../outbox/sqlite-outbox.js";
import type { GatewayDatabase } from "./database.js";
import type {
  CommitRequest,
  CommitWorkerData,
  OutboxSnapshot,
  WorkerAnswer,
} from "./worker-protocol.js";
import { workerScript } from "./worker-script.js";
import { BatchApplier, outboxSnapshot, WriteExecutor } from "./write-ops.js";

export type DoneAnswer = Extract<WorkerAnswer, { t: "done" }>;
export type CommitMessage = Extract<CommitRequest, { t: "commit" }>;

export interface ChannelEvents {
  answer(a: DoneAnswer): void;
  /** The worker died: the batches it held will never be answered. */
  lost(reason: string): void;
  /** A new worker is ready after a loss. */
  back(): void;
}

export interface CommitChannel {
  /** Opens the writer's connection; resolves with the outbox as it found it. */
  start(events: ChannelEvents): Promise<OutboxSnapshot>;
  /** False while a worker is (re)starting. */
  ready(): boolean;
  send(m: CommitMessage): void;
  /** Blocks until the next answer was handed to onAnswer; false when the deadline passed. */
  waitSync(deadline: number): boolean;
  close(): Promise<void>;
}

export interface WorkerChannelOptions {
  path: string;
  capBytes?: number;
  unsafeNoSync?: boolean;
  log?: Logger;
  scheduler: Scheduler;
}

const RESTART_MS = 1_000;

export class WorkerChannel implements CommitChannel {
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  private signal: Int32Array | undefined;
  private isReady = false;
  private closing = false;
  private closedAnswer = false;
  private events: ChannelEvents | undefined;

  constructor(private readonly opts: WorkerChannelOptions) {}

  async start(events: ChannelEvents): Promise<OutboxSnapshot> {
    this.events = events;
    return this.spawn();
  }

  ready(): boolean {
    return this.isReady;
  }

  send(m: CommitMessage): void {
    this.port!.postMessage(m);
  }

  waitSync(deadline: number): boolean {
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

  async close(): Promise<void> {
    this.closing = true;
    const w = this.worker;
    const port = this.port;
    this.worker = undefined;
    this.isReady = false;
    if (!w || !port) return;
    const exited = new Promise<void>((resolve) => w.once("exit", () => resolve()));
    port.postMessage({ t: "close" } satisfies CommitRequest);
    const deadline = Date.now() + 5_000;
    while (!this.closedAnswer && this.waitSync(deadline));
    port.close();
    await w.terminate();
    await exited;
  }

  private async spawn(): Promise<OutboxSnapshot> {
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
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    this.worker = worker;
    this.port = port1;
    this.signal = new Int32Array(sab);
    this.closedAnswer = false;
    worker.on("error", (err) =>
      this.opts.log?.error("commit worker failed", { error: String(err) }),
    );
    worker.on("exit", (code) => this.exited(worker, code));
    // Setting up its isolate put V8's young-generation growth back to the default.
    worker.once("online", reapplyHeapLimits);
    const first = await new Promise<WorkerAnswer>((resolve, reject) => {
      port1.once("message", resolve);
      worker.once("exit", (code) => reject(new Error(`commit worker exited with ${code}`)));
    });
    if (first.t !== "ready") {
      await worker.terminate();
      throw new Error(`commit worker: ${first.t === "failed" ? first.error : first.t}`);
    }
    port1.on("message", (m: WorkerAnswer) => this.answer(m));
    this.isReady = true;
    return first.outbox;
  }

  private answer(m: WorkerAnswer): void {
    if (m.t === "closed") this.closedAnswer = true;
    else if (m.t === "done") this.events?.answer(m);
  }

  /** The worker went away without being closed: its batches are lost; start another. */
  private exited(worker: Worker, code: number): void {
    // Before it was ready, spawn() reports the failure itself.
    if (this.worker !== worker || this.closing || !this.isReady) return;
    this.opts.log?.error("commit worker exited", { code });
    this.worker = undefined;
    this.isReady = false;
    this.port?.close();
    this.events?.lost(`commit worker exited with ${code}`);
    this.restartLater();
  }

  private restartLater(): void {
    this.opts.scheduler.setTimeout(() => {
      if (this.closing || this.worker) return;
      this.spawn().then(
        () => this.events?.back(),
        (err) => {
          this.opts.log?.error("commit worker restart failed", { error: String(err) });
          this.worker = undefined;
          this.restartLater();
        },
      );
    }, RESTART_MS);
  }
}

/** The same batches on the main thread's connection (in-memory databases). */
export class InlineChannel implements CommitChannel {
  private applier: BatchApplier | undefined;
  private events: ChannelEvents | undefined;

  constructor(
    private readonly db: GatewayDatabase,
    private readonly capBytes?: number,
  ) {}

  async start(events: ChannelEvents): Promise<OutboxSnapshot> {
    this.events = events;
    const outbox = new SqliteOutbox(
      this.db,
      this.capBytes !== undefined ? { capBytes: this.capBytes } : {},
    );
    this.applier = new BatchApplier(new WriteExecutor(this.db, outbox), outbox);
    return outboxSnapshot(outbox);
  }

  ready(): boolean {
    return this.applier !== undefined;
  }

  send(m: CommitMessage): void {
    this.events?.answer({ t: "done", id: m.id, ...this.applier!.apply(m) });
  }

  waitSync(): boolean {
    return false;
  }

  async close(): Promise<void> {
    this.applier = undefined;
  }
}
