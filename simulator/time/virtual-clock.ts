/**
 * Virtual time. `nowMs` is milliseconds since the scenario started; `epochMs`
 * maps it to wall-clock time for anything that stamps messages (the gateway).
 * Timers registered here fire only when the runner advances the clock, in time
 * order, so 8 simulated hours take as long as their events take to compute.
 */
import { EventQueue } from "./event-queue.js";

export interface Clock {
  /** Milliseconds since the Unix epoch, as the system under test sees it. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearTimeout(h: TimerHandle | undefined): void;
  clearInterval(h: TimerHandle | undefined): void;
}

export interface TimerHandle {
  id: number;
}

interface Timer {
  id: number;
  fn: () => void;
  intervalMs: number;
  cancelled: boolean;
}

export class VirtualClock implements Clock {
  nowMs = 0;
  readonly epochMs: number;
  private readonly queue = new EventQueue<Timer>();
  private readonly live = new Map<number, Timer>();
  private nextId = 1;

  constructor(epochMs: number) {
    this.epochMs = epochMs;
  }

  now(): number {
    return this.epochMs + this.nowMs;
  }

  /** Schedules `fn` at virtual instant `atMs` (ms since start). */
  at(atMs: number, fn: () => void): TimerHandle {
    const t: Timer = { id: this.nextId++, fn, intervalMs: 0, cancelled: false };
    this.live.set(t.id, t);
    this.queue.push(Math.max(atMs, this.nowMs), t);
    return { id: t.id };
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.at(this.nowMs + Math.max(0, ms), fn);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const t: Timer = { id: this.nextId++, fn, intervalMs: Math.max(1, ms), cancelled: false };
    this.live.set(t.id, t);
    this.queue.push(this.nowMs + t.intervalMs, t);
    return { id: t.id };
  }

  clearTimeout(h: TimerHandle | undefined): void {
    if (!h) return;
    const t = this.live.get(h.id);
    if (t) t.cancelled = true;
    this.live.delete(h.id);
  }

  clearInterval(h: TimerHandle | undefined): void {
    this.clearTimeout(h);
  }

  /** The instant of the next live timer, if any. */
  nextAtMs(): number | undefined {
    for (;;) {
      const top = this.queue.peek();
      if (!top) return undefined;
      if (!top.value.cancelled) return top.atMs;
      this.queue.pop(); // drop cancelled heads lazily
    }
  }

  /** Runs every timer due at or before `untilMs`, in order, then sets now to `untilMs`. */
  runUntil(untilMs: number): void {
    for (;;) {
      const head = this.queue.peekTime();
      if (head === undefined || head > untilMs) break;
      const { atMs, value: t } = this.queue.pop()!;
      if (t.cancelled) continue;
      this.nowMs = atMs;
      if (t.intervalMs > 0) this.queue.push(atMs + t.intervalMs, t);
      else this.live.delete(t.id);
      t.fn();
    }
    if (untilMs > this.nowMs) this.nowMs = untilMs;
  }
}
