/**
 * Wall-clock time for a fleet: every device's next timer in one queue behind
 * one Node timer, so ten thousand devices cost one setTimeout. Work due is
 * run in slices (at most SLICE_MS at a time, then the event loop gets a turn
 * for sockets), and how late each event ran is measured: the fleet keeps up
 * in real time while that lateness stays small.
 */
import { EventQueue } from "../time/event-queue.js";

const SLICE_MS = 20;
/** Lateness histogram buckets (upper bounds, ms). */
const BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, Number.POSITIVE_INFINITY];

export interface LagStats {
  events: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export class RealTimeClock {
  private readonly queue = new EventQueue<() => void>();
  private readonly t0 = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private armedAtMs = Number.POSITIVE_INFINITY;
  private stopped = true;
  private pumping = false;
  private readonly hist = new Array<number>(BUCKETS.length).fill(0);
  private events = 0;
  private maxLateMs = 0;
  /** Errors thrown by events (they are counted and the clock runs on). */
  errors = 0;
  lastError: string | undefined;

  /** Milliseconds since the clock was made. */
  get nowMs(): number {
    return performance.now() - this.t0;
  }

  /** Epoch milliseconds of `nowMs` 0. */
  readonly epochMs = Date.now();

  get pending(): number {
    return this.queue.size;
  }

  start(): void {
    this.stopped = false;
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    this.armedAtMs = Number.POSITIVE_INFINITY;
  }

  /** Runs `fn` at `atMs` (clock ms), or as soon as possible when that has passed. */
  at(atMs: number, fn: () => void): void {
    this.queue.push(atMs, fn);
    if (!this.stopped && !this.pumping && !this.immediate && atMs < this.armedAtMs) this.arm();
  }

  /** Lateness of the events run so far (bucketed, so percentiles are upper bounds). */
  lag(): LagStats {
    const pct = (p: number) => {
      const want = Math.ceil(this.events * p);
      let seen = 0;
      for (let i = 0; i < BUCKETS.length; i++) {
        seen += this.hist[i]!;
        if (seen >= want) return Math.min(BUCKETS[i]!, this.maxLateMs);
      }
      return this.maxLateMs;
    };
    return {
      events: this.events,
      p50Ms: this.events ? pct(0.5) : 0,
      p99Ms: this.events ? pct(0.99) : 0,
      maxMs: this.maxLateMs,
    };
  }

  resetLag(): void {
    this.hist.fill(0);
    this.events = 0;
    this.maxLateMs = 0;
  }

  private arm(): void {
    if (this.stopped) return;
    const next = this.queue.peekTime();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAtMs = Number.POSITIVE_INFINITY;
    if (next === undefined) return;
    const wait = Math.max(0, next - this.nowMs);
    this.armedAtMs = next;
    this.timer = setTimeout(() => this.pump(), Math.min(wait, 2_000_000_000));
  }

  private pump(): void {
    this.timer = undefined;
    this.immediate = undefined;
    this.armedAtMs = Number.POSITIVE_INFINITY;
    if (this.stopped) return;
    this.pumping = true;
    try {
      if (this.runDue()) this.arm();
    } finally {
      this.pumping = false;
    }
  }

  /** Runs what is due; false when it yielded to the event loop with more due. */
  private runDue(): boolean {
    const sliceEnd = performance.now() + SLICE_MS;
    for (;;) {
      const head = this.queue.peekTime();
      const now = this.nowMs;
      if (head === undefined || head > now) break;
      if (performance.now() > sliceEnd) {
        // More is due: let sockets and timers run, then carry on.
        this.immediate = setImmediate(() => this.pump());
        return false;
      }
      const { atMs, value } = this.queue.pop()!;
      this.note(now - atMs);
      try {
        value();
      } catch (err) {
        this.errors++;
        this.lastError = err instanceof Error ? (err.stack ?? err.message) : String(err);
      }
    }
    return true;
  }

  private note(lateMs: number): void {
    const late = Math.max(0, lateMs);
    this.events++;
    if (late > this.maxLateMs) this.maxLateMs = late;
    let i = 0;
    while (late > BUCKETS[i]!) i++;
    this.hist[i]!++;
  }
}
