import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { tmpDir, waitFor } from "../../tests/support/services.js";
import type { Scheduler } from "../outbox/group-committer.js";
import { SqliteOutbox } from "../outbox/sqlite-outbox.js";
import { PRIORITY_EVENT } from "../types.js";
import { type GatewayDatabase, openGatewayDatabase } from "./database.js";
import { LAZY_WRITE_MS, WorkerCommitter } from "./worker-committer.js";
import type { WriteOp } from "./write-ops.js";

/** Test work: an outbox entry, or (bad) a statement that fails. */
interface Work {
  n: number;
  bad?: boolean;
  /** Its device (default: n) and whether it is an alarm, for `overtakes`. */
  dev?: number;
  alarm?: boolean;
}

const toOps = (batch: Work[]): WriteOp[] =>
  batch.map((w) =>
    w.bad
      ? { kind: "run", sql: "INSERT INTO no_such_table VALUES (?)", rows: [[w.n]] }
      : {
          kind: "append",
          items: [
            {
              priority: PRIORITY_EVENT,
              topic: "t",
              key: "k",
              payload: JSON.stringify({ n: w.n }),
              createdAt: 1,
            },
          ],
        },
  );

const stored = (db: GatewayDatabase) =>
  new SqliteOutbox(db).peek(1000).map((e) => (JSON.parse(e.payload) as { n: number }).n);

describe("WorkerCommitter", () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup.length = 0;
  });

  async function open(
    opts: {
      maxBatch?: number;
      memory?: boolean;
      overtakes?: boolean;
      scheduler?: Scheduler;
      onCommitted?: (appended: boolean) => void;
    } = {},
  ) {
    const dir = tmpDir("haitang-committer-");
    cleanup.push(() => dir.remove());
    const path = opts.memory ? ":memory:" : join(dir.path, "gw.db");
    const db = openGatewayDatabase(path);
    cleanup.push(() => {
      db.close();
    });
    const committer = new WorkerCommitter<Work>({
      path,
      toOps,
      ...(opts.maxBatch !== undefined ? { maxBatch: opts.maxBatch } : {}),
      ...(opts.memory ? { inline: db } : {}),
      ...(opts.scheduler ? { scheduler: opts.scheduler } : {}),
      ...(opts.onCommitted ? { onCommitted: opts.onCommitted } : {}),
      ...(opts.overtakes
        ? { overtakes: { urgent: (w: Work) => w.alarm === true, key: (w: Work) => w.dev ?? w.n } }
        : {}),
    });
    await committer.start();
    cleanup.push(() => committer.close());
    return { db, committer };
  }

  const submitted = (c: WorkerCommitter<Work>, w: Work) =>
    new Promise<{ err?: Error }>((resolve) => {
      c.submit(w, (err) => resolve(err ? { err } : {}));
    });

  it("calls back only after the batch is committed: the entry is on disk, seen from another connection", async () => {
    const { db, committer } = await open();
    let seenAtCallback: number[] | undefined;
    const done = new Promise<void>((resolve) =>
      committer.submit({ n: 1 }, (err) => {
        expect(err).toBeUndefined();
        seenAtCallback = stored(db);
        resolve();
      }),
    );
    expect(seenAtCallback).toBeUndefined();
    await done;
    expect(seenAtCallback).toEqual([1]);
    expect(committer.stats.committed).toBe(1);
    expect(committer.outbox.rows).toBe(1);
  });

  it("fails a failed write alone; the other writes of the same transaction commit", async () => {
    const { db, committer } = await open();
    const results: Array<string | undefined> = [];
    const bad = new Promise<void>((resolve) =>
      committer.write(toOps([{ n: 1, bad: true }]), (err) => {
        results.push(err?.message);
        resolve();
      }),
    );
    const good = new Promise<void>((resolve) =>
      committer.write(toOps([{ n: 2 }]), (err) => {
        results.push(err?.message ?? "ok");
        resolve();
      }),
    );
    await Promise.all([bad, good]);
    expect(results[0]).toMatch(/no_such_table/);
    expect(results[1]).toBe("ok");
    expect(stored(db)).toEqual([2]);
  });

  it("fails frame work queued behind a failed frame batch too, in order, and commits what comes later", async () => {
    const { db, committer } = await open({ maxBatch: 1 });
    const order: string[] = [];
    const record = (n: number) => (err?: Error) => order.push(`${n}:${err ? "failed" : "ok"}`);
    committer.submit({ n: 1, bad: true }, record(1)); // sent at once (batch of 1)
    committer.submit({ n: 2 }, record(2)); // queued while 1 is in flight
    committer.submit({ n: 3 }, record(3));
    await committer.durable();
    expect(order).toEqual(["1:failed", "2:failed", "3:failed"]);
    expect(committer.stats.failed).toBe(3);
    const r = await submitted(committer, { n: 4 });
    expect(r.err).toBeUndefined();
    expect(stored(db)).toEqual([4]);
  });

  it("commits an alarm ahead of queued work, unless its device has work queued; alarms keep their order", async () => {
    const { committer } = await open({ maxBatch: 4, overtakes: true });
    const order: number[] = [];
    const submit = (w: Work) =>
      committer.submit(w, (err) => {
        expect(err).toBeUndefined();
        order.push(w.n);
      });
    // 1-4 leave at once (two batches of two in flight); 5-20 queue behind them.
    for (let n = 1; n <= 20; n++) submit({ n });
    submit({ n: 101, dev: 901, alarm: true });
    submit({ n: 102, dev: 12, alarm: true }); // device 12 has work queued: waits behind it
    submit({ n: 103, dev: 903, alarm: true });
    await waitFor(() => (order.length === 23 ? true : undefined), "every commit");
    expect(order.filter((n) => n < 100)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(order.indexOf(101)).toBeLessThan(order.indexOf(5));
    expect(order.indexOf(103)).toBeLessThan(order.indexOf(5));
    expect(order.indexOf(101)).toBeLessThan(order.indexOf(103));
    expect(order.indexOf(102)).toBeGreaterThan(order.indexOf(12));
  });

  it("sends an alarm to the worker at once, with the work queued before it, instead of waiting for the interval", async () => {
    // A clock that never fires: only the alarm can make the batch leave.
    const armed: Array<() => void> = [];
    const scheduler: Scheduler = { setTimeout: (fn) => armed.push(fn), clearTimeout: () => {} };
    const { db, committer } = await open({ overtakes: true, scheduler });
    const order: number[] = [];
    committer.submit({ n: 1 }, () => order.push(1));
    expect(committer.pending()).toBe(1);
    const alarm = submitted(committer, { n: 2, dev: 902, alarm: true });
    expect(committer.pending()).toBe(0);
    expect((await alarm).err).toBeUndefined();
    expect(order).toEqual([1]);
    expect(stored(db).sort()).toEqual([1, 2]);
    expect(armed.length).toBeGreaterThan(0);
  });

  it("sends the next batch without the interval's wait after a small batch, and waits it after a big one", async () => {
    // A clock that fires only when the test says, and records each wait it was asked for.
    const armed: Array<{ fn: () => void; ms: number }> = [];
    const scheduler: Scheduler = {
      setTimeout: (fn, ms) => armed.push({ fn, ms }),
      clearTimeout: () => {},
    };
    const { db, committer } = await open({ scheduler });
    /** Submits works n..n+count-1, fires the one timer armed, and waits for their commit. */
    const batch = async (n: number, count: number) => {
      const done = Array.from({ length: count }, (_, i) => submitted(committer, { n: n + i }));
      expect(armed).toHaveLength(1);
      const t = armed.shift()!;
      t.fn();
      for (const d of done) expect((await d).err).toBeUndefined();
      return t.ms;
    };
    // A quiet site: one frame, sent on the next turn.
    expect(await batch(1, 1)).toBe(0);
    expect(await batch(2, 1)).toBe(0);
    // A busy moment: a batch of 20 goes; the batch after it waits the interval.
    expect(await batch(10, 20)).toBe(0);
    expect(await batch(30, 1)).toBe(4);
    // That batch was small again: quiet.
    expect(await batch(31, 1)).toBe(0);
    expect(stored(db)).toHaveLength(24);
  });

  it("lets a lazy write (a removal after PUBACKs) ride with the next batch, or commit alone after its longer wait; only a batch that may append tells the drain", async () => {
    // A clock that fires only when the test says; a cleared timer is gone.
    const armed = new Map<number, { fn: () => void; ms: number }>();
    let handles = 0;
    const scheduler: Scheduler = {
      setTimeout: (fn, ms) => {
        armed.set(++handles, { fn, ms });
        return handles;
      },
      clearTimeout: (h) => armed.delete(h as number),
    };
    const fireOnly = (ms: number) => {
      const timers = [...armed];
      expect(timers.map(([, t]) => t.ms)).toEqual([ms]);
      armed.delete(timers[0]![0]);
      timers[0]![1].fn();
    };
    const appended: boolean[] = [];
    const { db, committer } = await open({ scheduler, onCommitted: (a) => appended.push(a) });
    const first = [submitted(committer, { n: 1 }), submitted(committer, { n: 2 })];
    fireOnly(0);
    for (const d of first) expect((await d).err).toBeUndefined();
    expect(appended).toEqual([true]);
    const seqs = new SqliteOutbox(db).peek(10).map((e) => e.seq);
    const removed = (seq: number) =>
      new Promise<Error | undefined>((resolve) => {
        committer.write([{ kind: "remove", seqs: [seq] }], (err) => resolve(err), { lazy: true });
      });

    // A removal waits the long wait, not the next turn...
    const one = removed(seqs[0]!);
    expect(committer.pending()).toBe(1);
    expect([...armed.values()].map((t) => t.ms)).toEqual([LAZY_WRITE_MS]);
    // ...and goes with the next frame's batch, in its transaction; its own wait is cleared.
    const frame = submitted(committer, { n: 3 });
    expect([...armed.values()].map((t) => t.ms).sort()).toEqual([0, LAZY_WRITE_MS]);
    for (const [h, t] of armed)
      if (t.ms === 0) {
        armed.delete(h);
        t.fn();
      }
    expect((await frame).err).toBeUndefined();
    expect(await one).toBeUndefined();
    expect(armed.size).toBe(0);
    expect(stored(db)).toEqual([2, 3]);
    expect(appended).toEqual([true, true]);

    // Alone, it commits when its wait is up, and the drain is not told (nothing was appended).
    const two = removed(seqs[1]!);
    fireOnly(LAZY_WRITE_MS);
    expect(await two).toBeUndefined();
    expect(stored(db)).toEqual([3]);
    expect(appended).toEqual([true, true, false]);
  });

  it("flush() commits everything queued and runs the callbacks before it returns", async () => {
    const { db, committer } = await open();
    const acked: number[] = [];
    for (let n = 1; n <= 5; n++) committer.submit({ n }, () => acked.push(n));
    committer.flush();
    expect(acked).toEqual([1, 2, 3, 4, 5]);
    expect(stored(db)).toEqual([1, 2, 3, 4, 5]);
  });

  it("commits on the main thread's connection for an in-memory database", async () => {
    const { db, committer } = await open({ memory: true });
    const r = await submitted(committer, { n: 9 });
    expect(r.err).toBeUndefined();
    expect(stored(db)).toEqual([9]);
  });

  it("replaces a worker that died, and commits later work on the new one", async () => {
    const { db, committer } = await open();
    const channel = (committer as unknown as { channel: { worker: Worker } }).channel;
    const old = channel.worker;
    await old.terminate();
    const r = await submitted(committer, { n: 5 });
    expect(r.err).toBeUndefined();
    expect(stored(db)).toEqual([5]);
    await waitFor(() => (channel.worker !== old ? true : undefined), "a new worker");
  });
});
