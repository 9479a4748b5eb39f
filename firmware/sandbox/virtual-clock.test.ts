import { describe, expect, it } from "vitest";
import { type ClockTask, VirtualClock } from "./virtual-clock.js";

function task(log: string[], name: string, onRun?: () => void): ClockTask {
  return {
    dueMs: 0,
    seq: 0,
    heapIndex: -1,
    run() {
      log.push(name);
      onRun?.();
    },
  };
}

describe("VirtualClock", () => {
  it("runs nothing until advanced, then due tasks in time order", () => {
    const clock = new VirtualClock();
    const log: string[] = [];
    clock.schedule(task(log, "c"), 30);
    clock.schedule(task(log, "a"), 10);
    clock.schedule(task(log, "b"), 20);
    expect(log).toEqual([]);
    clock.advance(25);
    expect(log).toEqual(["a", "b"]);
    expect(clock.nowMs).toBe(25);
    clock.advance(5);
    expect(log).toEqual(["a", "b", "c"]);
  });

  it("runs tasks due at the same instant in the order they were scheduled", () => {
    const clock = new VirtualClock();
    const log: string[] = [];
    for (const n of ["1", "2", "3", "4", "5"]) clock.schedule(task(log, n), 7);
    clock.advance(7);
    expect(log).toEqual(["1", "2", "3", "4", "5"]);
  });

  it("sets now to each task's due time while it runs", () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    const t: ClockTask = { dueMs: 0, seq: 0, heapIndex: -1, run: () => seen.push(clock.nowMs) };
    clock.schedule(t, 12.5);
    clock.advance(100);
    expect(seen).toEqual([12.5]);
  });

  it("moves a rescheduled task and skips a cancelled one", () => {
    const clock = new VirtualClock();
    const log: string[] = [];
    const a = task(log, "a");
    const b = task(log, "b");
    clock.schedule(a, 10);
    clock.schedule(b, 20);
    clock.schedule(a, 30);
    clock.cancel(b);
    clock.advance(25);
    expect(log).toEqual([]);
    clock.advance(5);
    expect(log).toEqual(["a"]);
    expect(clock.pending).toBe(0);
  });

  it("runs a task a task schedules inside the same advance when it is due", () => {
    const clock = new VirtualClock();
    const log: string[] = [];
    const second = task(log, "second");
    clock.schedule(
      task(log, "first", () => clock.schedule(second, clock.nowMs + 5)),
      10,
    );
    clock.advance(15);
    expect(log).toEqual(["first", "second"]);
  });

  it("keeps heap order over many random operations", () => {
    const clock = new VirtualClock();
    const ran: number[] = [];
    const tasks: ClockTask[] = [];
    let x = 12345;
    const rnd = () => {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      return x / 0x7fffffff;
    };
    for (let i = 0; i < 500; i++) {
      const t: ClockTask = { dueMs: 0, seq: 0, heapIndex: -1, run: () => ran.push(clock.nowMs) };
      tasks.push(t);
      clock.schedule(t, Math.floor(rnd() * 1000));
    }
    for (let i = 0; i < 200; i++) {
      const t = tasks[Math.floor(rnd() * tasks.length)] as ClockTask;
      if (rnd() < 0.5) clock.cancel(t);
      else clock.schedule(t, Math.floor(rnd() * 1000));
    }
    const expected = clock.pending;
    clock.advance(1000);
    expect(ran.length).toBe(expected);
    expect([...ran].sort((a, b) => a - b)).toEqual(ran);
  });

  it("refuses to be advanced from inside one of its tasks", () => {
    const clock = new VirtualClock();
    const log: string[] = [];
    clock.schedule(
      task(log, "x", () => clock.advance(1)),
      1,
    );
    expect(() => clock.advance(2)).toThrow(/inside one of its tasks/);
  });
});
