/**
 * Grouped commits: work submitted within a few milliseconds is written in one
 * transaction (one fsync on the SD card instead of hundreds), and each
 * submitter's callback runs only after that COMMIT returned. The pipeline
 * acknowledges a device from this callback, so an ack always means "durable"
 * (SQLite: a transaction in WAL mode with synchronous=FULL is durable once
 * COMMIT returns).
 */

export type CommitCallback = (err?: Error) => void;

export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface GroupCommitterOptions<W> {
  /** Writes one batch; called inside nothing, so it opens its own transaction. Throwing fails the whole batch. */
  commit: (batch: W[]) => void;
  /** Longest a submission waits for its batch (default 4 ms). */
  intervalMs?: number;
  /** A batch this large commits at once (default 2,000). */
  maxBatch?: number;
  scheduler?: Scheduler;
}

export interface GroupCommitterStats {
  batches: number;
  committed: number;
  failed: number;
  largestBatch: number;
  callbackErrors: number;
}

export class GroupCommitter<W> {
  readonly stats: GroupCommitterStats = {
    batches: 0,
    committed: 0,
    failed: 0,
    largestBatch: 0,
    callbackErrors: 0,
  };
  private readonly commitFn: (batch: W[]) => void;
  private readonly intervalMs: number;
  private readonly maxBatch: number;
  private readonly scheduler: Scheduler;
  private work: W[] = [];
  private callbacks: Array<CommitCallback | undefined> = [];
  private timer: unknown;
  private closed = false;

  constructor(opts: GroupCommitterOptions<W>) {
    this.commitFn = opts.commit;
    this.intervalMs = opts.intervalMs ?? 4;
    this.maxBatch = opts.maxBatch ?? 2000;
    this.scheduler = opts.scheduler ?? realScheduler;
  }

  /** Queues `work`; `done` runs after the batch holding it committed (or failed). */
  submit(work: W, done?: CommitCallback): void {
    if (this.closed) {
      done?.(new Error("committer is closed"));
      return;
    }
    this.work.push(work);
    this.callbacks.push(done);
    if (this.work.length >= this.maxBatch) this.flush();
    else if (this.timer === undefined)
      this.timer = this.scheduler.setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.intervalMs);
  }

  /** Promise form of submit. */
  submitAsync(work: W): Promise<void> {
    return new Promise((resolve, reject) => this.submit(work, (e) => (e ? reject(e) : resolve())));
  }

  pending(): number {
    return this.work.length;
  }

  /** Commits everything queued now. */
  flush(): void {
    if (this.timer !== undefined) {
      this.scheduler.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.work.length === 0) return;
    const batch = this.work;
    const cbs = this.callbacks;
    this.work = [];
    this.callbacks = [];
    let error: Error | undefined;
    try {
      this.commitFn(batch);
      this.stats.batches++;
      this.stats.committed += batch.length;
      if (batch.length > this.stats.largestBatch) this.stats.largestBatch = batch.length;
    } catch (err) {
      error = err instanceof Error ? err : new Error(String(err));
      this.stats.failed += batch.length;
    }
    for (const cb of cbs) {
      try {
        cb?.(error);
      } catch {
        // A failing callback must not stop the others (errors stay in their room).
        this.stats.callbackErrors++;
      }
    }
  }

  /** Commits what is queued and refuses further work. */
  close(): void {
    this.flush();
    this.closed = true;
  }
}
