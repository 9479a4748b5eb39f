/**
 * Virtual time for sandboxed devices. Nothing runs until `advance` is called;
 * then every task due up to the target runs in time order (ties in the order
 * they were scheduled), with `nowMs` set to each task's due time. One clock
 * can drive hundreds of devices (the simulator shares one), so tasks live in
 * an indexed binary heap and rescheduling a task reuses its record.
 */

export interface ClockTask {
  /** Set by the clock. */
  dueMs: number;
  /** Set by the clock: order among tasks due at the same instant. */
  seq: number;
  /** Set by the clock: position in the heap, -1 when not scheduled. */
  heapIndex: number;
  run(): void;
}

/** Fields a new task starts with. */
export const UNSCHEDULED = { dueMs: 0, seq: 0, heapIndex: -1 } as const;

export class VirtualClock {
  private t = 0;
  private seq = 0;
  private readonly heap: ClockTask[] = [];
  private running = false;

  /** Milliseconds since the clock was created. */
  get nowMs(): number {
    return this.t;
  }

  /** Number of scheduled tasks (all devices). */
  get pending(): number {
    return this.heap.length;
  }

  /** Schedules (or moves) `task` to run at `dueMs` (not earlier than now). */
  schedule(task: ClockTask, dueMs: number): void {
    if (task.heapIndex >= 0) this.remove(task);
    task.dueMs = Math.max(dueMs, this.t);
    task.seq = this.seq++;
    task.heapIndex = this.heap.length;
    this.heap.push(task);
    this.up(task.heapIndex);
  }

  cancel(task: ClockTask): void {
    if (task.heapIndex >= 0) this.remove(task);
  }

  isScheduled(task: ClockTask): boolean {
    return task.heapIndex >= 0;
  }

  /** Due time of the earliest task, or undefined when none. */
  nextDueMs(): number | undefined {
    return this.heap[0]?.dueMs;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance(ms) needs ms >= 0, got ${ms}`);
    this.advanceTo(this.t + ms);
  }

  /** Runs every task due at or before `targetMs`, in order, then sets now to `targetMs`. */
  advanceTo(targetMs: number): void {
    if (this.running)
      throw new Error("the virtual clock was advanced from inside one of its tasks");
    this.running = true;
    try {
      for (;;) {
        const top = this.heap[0];
        if (!top || top.dueMs > targetMs) break;
        this.remove(top);
        if (top.dueMs > this.t) this.t = top.dueMs;
        top.run();
      }
      if (targetMs > this.t) this.t = targetMs;
    } finally {
      this.running = false;
    }
  }

  private remove(task: ClockTask): void {
    const h = this.heap;
    const i = task.heapIndex;
    const last = h.pop() as ClockTask;
    task.heapIndex = -1;
    if (last === task) return;
    h[i] = last;
    last.heapIndex = i;
    this.down(i);
    this.up(last.heapIndex);
  }

  private less(a: ClockTask, b: ClockTask): boolean {
    return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    const task = h[i] as ClockTask;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as ClockTask;
      if (!this.less(task, parent)) break;
      h[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    h[i] = task;
    task.heapIndex = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const task = h[i] as ClockTask;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.less(h[r] as ClockTask, h[l] as ClockTask)) c = r;
      const childTask = h[c] as ClockTask;
      if (!this.less(childTask, task)) break;
      h[i] = childTask;
      childTask.heapIndex = i;
      i = c;
    }
    h[i] = task;
    task.heapIndex = i;
  }
}
