/**
 * The contract every Outbox implementation passes (after MQTT.js
 * test/node/abstract_store.ts). Call it from a *.test.ts with a factory that
 * makes a fresh, empty outbox with the given cap (it may start a worker, so
 * it may be async).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { DrainableOutbox, Outbox, OutboxItem, Priority } from "../types.js";
import { PRIORITY_ALARM, PRIORITY_EVENT, PRIORITY_TELEMETRY } from "../types.js";
import type { OutboxCapOptions, OutboxStats } from "./cap.js";

export interface OutboxUnderTest {
  outbox: Outbox & Pick<DrainableOutbox, "walk"> & { readonly stats: OutboxStats };
  close(): void | Promise<void>;
}

export type OutboxFactory = (cap: OutboxCapOptions) => OutboxUnderTest | Promise<OutboxUnderTest>;

function item(priority: Priority, key: string, n: number, createdAt = 1_000): OutboxItem {
  return { priority, key, topic: `t/${key}`, payload: JSON.stringify({ n }), createdAt };
}

function nOf(payload: string): number {
  return (JSON.parse(payload) as { n: number }).n;
}

export function outboxContract(name: string, factory: OutboxFactory): void {
  describe(`Outbox contract: ${name}`, () => {
    let open: OutboxUnderTest[] = [];
    const make = async (cap: OutboxCapOptions = {}) => {
      const o = await factory(cap);
      open.push(o);
      return o.outbox;
    };
    afterEach(async () => {
      for (const o of open) await o.close();
      open = [];
    });

    it("assigns increasing sequence numbers and counts depth", async () => {
      const ob = await make();
      const a = ob.append([item(2, "a", 1), item(2, "a", 2)]);
      const b = ob.append([item(2, "b", 3)]);
      expect(a.map((e) => e.seq)[0]).toBeLessThan(a[1]!.seq);
      expect(b[0]!.seq).toBeGreaterThan(a[1]!.seq);
      expect(ob.depth()).toBe(3);
      expect(a[0]).toMatchObject({ key: "a", topic: "t/a", priority: 2 });
    });

    it("returns alarms before events before telemetry, oldest first within a priority", async () => {
      const ob = await make();
      ob.append([item(2, "t1", 1), item(1, "e1", 2), item(2, "t2", 3), item(0, "a1", 4)]);
      ob.append([item(1, "e2", 5), item(0, "a2", 6)]);
      expect(ob.peek(10).map((e) => nOf(e.payload))).toEqual([4, 6, 2, 5, 1, 3]);
    });

    it("never returns two entries of one key out of order, even when a later one is an alarm", async () => {
      const ob = await make();
      ob.append([item(2, "dev1", 1), item(2, "dev2", 2), item(0, "dev1", 3), item(2, "dev1", 4)]);
      const order = ob.peek(10).map((e) => nOf(e.payload));
      expect(order).toEqual([1, 3, 2, 4]);
      expect(order.indexOf(1)).toBeLessThan(order.indexOf(3));
      expect(order.indexOf(3)).toBeLessThan(order.indexOf(4));
    });

    it("respects the peek limit without breaking key order", async () => {
      const ob = await make();
      ob.append([item(2, "k", 1), item(2, "k", 2), item(0, "k", 3), item(0, "z", 4)]);
      expect(ob.peek(2).map((e) => nOf(e.payload))).toEqual([1, 2]);
      expect(ob.peek(0)).toEqual([]);
    });

    it("peek does not remove; remove deletes only the given entries", async () => {
      const ob = await make();
      const es = ob.append([item(1, "a", 1), item(1, "b", 2), item(1, "c", 3)]);
      expect(ob.peek(10)).toHaveLength(3);
      ob.remove([es[1]!.seq, 999_999]);
      expect(ob.peek(10).map((e) => nOf(e.payload))).toEqual([1, 3]);
      expect(ob.depth()).toBe(2);
    });

    it("drains a key in order across successive peek/remove rounds", async () => {
      const ob = await make();
      for (let i = 0; i < 20; i++) ob.append([item(i % 3 === 0 ? 0 : 2, "k", i)]);
      const seen: number[] = [];
      for (;;) {
        const batch = ob.peek(3);
        if (batch.length === 0) break;
        seen.push(...batch.map((e) => nOf(e.payload)));
        ob.remove(batch.map((e) => e.seq));
      }
      expect(seen).toEqual([...Array(20).keys()]);
    });

    it("walks on from its cursor: only what comes after the entries it handed out, new entries too", async () => {
      const ob = await make();
      if (!ob.walk) throw new Error("the outbox has no walk");
      ob.append([item(2, "a", 1), item(2, "b", 2), item(1, "c", 3), item(2, "a", 4)]);
      const first = ob.walk(undefined, 2);
      expect(first.entries.map((e) => nOf(e.payload))).toEqual([3, 1]);
      const second = ob.walk(first.cursor, 10);
      expect(second.entries.map((e) => nOf(e.payload))).toEqual([2, 4]);
      expect(ob.walk(second.cursor, 10).entries).toEqual([]);
      ob.append([item(2, "b", 5)]);
      const third = ob.walk(second.cursor, 10);
      expect(third.entries.map((e) => nOf(e.payload))).toEqual([5]);
      expect(ob.walk(third.cursor, 10).entries).toEqual([]);
    });

    it("walks across priorities a page at a time in (priority, seq) order, whole and below telemetry", async () => {
      const ob = await make();
      // Distinct keys: no entry is pulled ahead of its place by an older one of its key.
      const prios = [2, 0, 2, 1, 2, 0, 1, 2, 2, 0, 1, 2];
      ob.append(prios.map((p, i) => item(p as Priority, `k${i}`, i)));
      const order = (ps: number[]) =>
        prios
          .map((p, i) => ({ p, i }))
          .filter((e) => ps.includes(e.p))
          .sort((a, b) => a.p - b.p || a.i - b.i)
          .map((e) => e.i);
      for (const [below, ps] of [
        [undefined, [0, 1, 2]],
        [PRIORITY_TELEMETRY, [0, 1]],
      ] as const)
        for (const size of [1, 2, 3]) {
          const seen: number[] = [];
          let w = ob.walk!(undefined, size, below);
          while (w.entries.length > 0) {
            seen.push(...w.entries.map((e) => nOf(e.payload)));
            w = ob.walk!(w.cursor, size, below);
          }
          expect(seen).toEqual(order([...ps]));
        }
    });

    it("walks alarms and events only, each after its key's older entries, when asked for the priorities below telemetry", async () => {
      const ob = await make();
      ob.append([item(2, "k", 1), item(2, "z", 2), item(1, "e", 3), item(0, "k", 4)]);
      ob.append([item(2, "k", 5)]);
      const w = ob.walk!(undefined, 10, PRIORITY_TELEMETRY);
      expect(w.entries.map((e) => nOf(e.payload))).toEqual([1, 4, 3]);
    });

    it("moves the walk's cursor past a candidate only when the candidate itself was handed out", async () => {
      const ob = await make();
      ob.append([item(2, "k", 1), item(2, "k", 2), item(0, "k", 3), item(0, "z", 4)]);
      const cut = ob.walk!(undefined, 2);
      expect(cut.entries.map((e) => nOf(e.payload))).toEqual([1, 2]);
      expect(cut.cursor).toBeUndefined();
      const w = ob.walk!(undefined, 3);
      expect(w.entries.map((e) => nOf(e.payload))).toEqual([1, 2, 3]);
      // Entries pulled ahead of their alarm come again at their own place (a drain skips them).
      expect(ob.walk!(w.cursor, 10).entries.map((e) => nOf(e.payload))).toEqual([4, 1, 2]);
    });

    it("reports the age of the oldest entry", async () => {
      const ob = await make();
      expect(ob.oldestAgeS(50_000)).toBe(0);
      ob.append([item(2, "a", 1, 10_000), item(0, "b", 2, 20_000)]);
      expect(ob.oldestAgeS(30_000)).toBe(20);
    });

    it("over the disk cap, thins telemetry before dropping it, oldest first", async () => {
      const ob = await make({ capBytes: 20_000 });
      const tel = [];
      for (let i = 0; i < 400; i++) tel.push(item(PRIORITY_TELEMETRY, `dev${i % 4}`, i));
      for (const t of tel) ob.append([t]);
      const left = ob.peek(10_000).map((e) => nOf(e.payload));
      expect(ob.stats.bytes).toBeLessThanOrEqual(20_000);
      expect(ob.stats.thinned).toBeGreaterThan(0);
      expect(left).toContain(399);
      // thinning leaves gaps in older history instead of only keeping a contiguous newest run
      const sorted = [...left].sort((a, b) => a - b);
      const gaps = sorted.filter((v, i) => i > 0 && v - sorted[i - 1]! > 1).length;
      expect(gaps).toBeGreaterThan(0);
      expect(left.length).toBeLessThan(400);
    });

    it("never drops alarms or events, even above the cap", async () => {
      const ob = await make({ capBytes: 4_000 });
      const kept: number[] = [];
      for (let i = 0; i < 300; i++) {
        const p: Priority =
          i % 3 === 0 ? PRIORITY_ALARM : i % 3 === 1 ? PRIORITY_EVENT : PRIORITY_TELEMETRY;
        if (p !== PRIORITY_TELEMETRY) kept.push(i);
        ob.append([item(p, `d${i % 7}`, i)]);
      }
      const left = ob.peek(10_000);
      const nums = left.map((e) => nOf(e.payload));
      for (const k of kept) expect(nums).toContain(k);
      expect(left.every((e) => e.priority !== PRIORITY_TELEMETRY)).toBe(true);
      expect(ob.stats.overCap).toBe(true);
      expect(ob.stats.dropped + ob.stats.thinned).toBe(100);
    });
  });
}
