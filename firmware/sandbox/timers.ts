/**
 * setTimeout / setInterval of one device on the virtual clock, with
 * Espruino's rules: a minimum interval of TIMER_MIN_INTERVAL_MS, intervals
 * rescheduled from their due time (no drift), `clearTimeout()` without an id
 * clearing every timer, and an unknown id throwing "Unknown Timeout".
 */
import type { ClockTask, VirtualClock } from "./virtual-clock.js";

/** Espruino's TIMER_MIN_INTERVAL (0.1 ms): also keeps a zero-delay loop from freezing virtual time. */
export const TIMER_MIN_INTERVAL_MS = 0.1;

export class ImageTimer implements ClockTask {
  dueMs = 0;
  seq = 0;
  heapIndex = -1;
  constructor(
    readonly id: number,
    readonly fn: unknown,
    readonly intervalMs: number,
    private readonly table: TimerTable,
  ) {}

  run(): void {
    this.table.fire(this);
  }
}

export class TimerTable {
  private readonly live = new Map<number, ImageTimer>();
  private nextId = 1;

  constructor(
    private readonly clock: VirtualClock,
    private readonly invoke: (fn: unknown, arg?: unknown) => void,
    private readonly makeError: (message: string) => Error,
  ) {}

  add(fn: unknown, ms: unknown, repeat: boolean): number {
    if (typeof fn !== "function") throw this.makeError("Function or String not supplied!");
    let delay = Number(ms);
    if (!(delay >= TIMER_MIN_INTERVAL_MS)) delay = TIMER_MIN_INTERVAL_MS;
    const t = new ImageTimer(this.nextId++, fn, repeat ? delay : 0, this);
    this.live.set(t.id, t);
    this.clock.schedule(t, this.clock.nowMs + delay);
    return t.id;
  }

  /** `clearTimeout(id)`; `clearTimeout()` (no argument) clears every timer. */
  clear(args: ArrayLike<unknown>, kind: "Timeout" | "Interval"): void {
    const id = args[0];
    if (args.length === 0 || id === undefined) {
      this.clearAll();
      return;
    }
    const t = typeof id === "number" ? this.live.get(id) : undefined;
    if (!t) throw this.makeError(`Unknown ${kind}`);
    this.clock.cancel(t);
    this.live.delete(t.id);
  }

  fire(t: ImageTimer): void {
    if (t.intervalMs > 0) this.clock.schedule(t, t.dueMs + t.intervalMs);
    else this.live.delete(t.id);
    this.invoke(t.fn);
  }

  clearAll(): void {
    for (const t of this.live.values()) this.clock.cancel(t);
    this.live.clear();
  }

  /** Earliest due time of this device's timers (clock ms). */
  nextDueMs(): number | undefined {
    let best: number | undefined;
    for (const t of this.live.values()) if (best === undefined || t.dueMs < best) best = t.dueMs;
    return best;
  }

  get count(): number {
    return this.live.size;
  }
}
