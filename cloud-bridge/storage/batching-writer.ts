/**
 * Batches the points of many messages into few writes and retries failed
 * writes with back-off for as long as it takes. Each message's `done` runs
 * only after all of its lines are written: that is when the bridge may
 * acknowledge the message to the broker. Memory stays bounded because the
 * broker sends at most Receive Maximum unacknowledged messages.
 */
import type { Logger } from "../../common/log.js";
import type { MetricsRegistry } from "../metrics/registry.js";
import type { PointSink } from "./influx-sink.js";

export interface BatchingOptions {
  batchSize: number;
  flushIntervalMs: number;
  maxConcurrentWrites: number;
  retry: { initialMs: number; maxMs: number };
}

interface Batch {
  /** Line-protocol text, one point per line. */
  text: string;
  lines: number;
  done: Array<() => void>;
  attempts: number;
}

const emptyBatch = (): Batch => ({ text: "", lines: 0, done: [], attempts: 0 });

export class BatchingWriter {
  private open: Batch = emptyBatch();
  private readonly sealed: Batch[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Set after a failed write: nothing new is sent until the retry succeeds. */
  private backoffMs = 0;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];
  private readonly points;
  private readonly failures;
  private readonly batches;

  constructor(
    private readonly sink: PointSink,
    private readonly opts: BatchingOptions,
    metrics: MetricsRegistry,
    private readonly log: Logger,
  ) {
    this.points = metrics.counter(
      "haitang_bridge_points_written_total",
      "Lines written to the time-series database",
    );
    this.batches = metrics.counter(
      "haitang_bridge_write_batches_total",
      "Write requests that succeeded",
    );
    this.failures = metrics.counter(
      "haitang_bridge_write_failures_total",
      "Write requests that failed (retried)",
    );
    metrics.gaugeFn(
      "haitang_bridge_pending_lines",
      "Lines waiting to be written",
      () => this.pendingLines,
    );
    metrics.gaugeFn(
      "haitang_bridge_write_backoff_ms",
      "Current retry back-off, 0 when healthy",
      () => this.backoffMs,
    );
  }

  get pendingLines(): number {
    let n = this.open.lines;
    for (const b of this.sealed) n += b.lines;
    return n;
  }

  /** True while writes are failing and being retried. */
  get degraded(): boolean {
    return this.backoffMs > 0;
  }

  /** `text` holds `lines` points, each ending in a newline. */
  enqueue(text: string, lines: number, done: () => void): void {
    if (this.stopped) return;
    if (lines === 0) {
      done();
      return;
    }
    this.open.text += text;
    this.open.lines += lines;
    this.open.done.push(done);
    if (this.open.lines >= this.opts.batchSize) this.seal();
    else if (!this.timer) this.timer = setTimeout(() => this.seal(), this.opts.flushIntervalMs);
  }

  /** Writes everything queued; resolves when nothing is pending (or after stop()). */
  flush(): Promise<void> {
    this.seal();
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops everything pending without writing (a crash, as far as the broker can tell). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    this.sealed.length = 0;
    this.open = emptyBatch();
    this.wakeIdle(true);
  }

  private idle(): boolean {
    return this.inFlight === 0 && this.sealed.length === 0 && this.open.lines === 0;
  }

  private wakeIdle(force = false) {
    if (!force && !this.idle()) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  private seal() {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.open.lines === 0) return;
    this.sealed.push(this.open);
    this.open = emptyBatch();
    this.pump();
  }

  private pump() {
    if (this.stopped || this.retryTimer) return;
    const limit = this.backoffMs > 0 ? 1 : this.opts.maxConcurrentWrites;
    while (this.inFlight < limit && this.sealed.length > 0) {
      const batch = this.sealed.shift()!;
      this.inFlight++;
      batch.attempts++;
      this.sink.write(batch.text, batch.lines).then(
        () => this.succeeded(batch),
        (err: unknown) => this.failed(batch, err),
      );
    }
  }

  private succeeded(batch: Batch) {
    this.inFlight--;
    if (this.stopped) return;
    this.points.inc({}, batch.lines);
    this.batches.inc();
    if (this.backoffMs > 0)
      this.log.info("writes recovered", { lines: batch.lines, attempts: batch.attempts });
    this.backoffMs = 0;
    for (const d of batch.done) d();
    this.pump();
    this.wakeIdle();
  }

  private failed(batch: Batch, err: unknown) {
    this.inFlight--;
    if (this.stopped) return;
    this.failures.inc();
    // Back to the front: its messages stay unacknowledged until it is written.
    this.sealed.unshift(batch);
    const r = this.opts.retry;
    this.backoffMs = Math.min(r.maxMs, this.backoffMs > 0 ? this.backoffMs * 2 : r.initialMs);
    const delay = Math.round(this.backoffMs * (0.75 + Math.random() * 0.5));
    this.log.warn("write failed, retrying", {
      error: err instanceof Error ? err.message : String(err),
      lines: batch.lines,
      attempts: batch.attempts,
      retryInMs: delay,
      pendingLines: this.pendingLines,
    });
    if (!this.retryTimer) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.pump();
      }, delay);
    }
  }
}
