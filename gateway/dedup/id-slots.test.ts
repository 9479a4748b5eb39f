import { describe, expect, it } from "vitest";
import { createRng } from "../../simulator/physics/prng.js";
import { IdSlots, withRoom } from "./id-slots.js";

describe("IdSlots", () => {
  it("gives each id one slot, and the same slot again", () => {
    const t = new IdSlots(16);
    const a = t.add(0x0a000001);
    const b = t.add(0x0a000002);
    expect(a).not.toBe(b);
    expect(t.add(0x0a000001)).toBe(a);
    expect(t.get(0x0a000002)).toBe(b);
    expect(t.get(0x0a000003)).toBe(-1);
    expect(t.size).toBe(2);
    expect(t.slotLimit).toBe(2);
  });

  it("holds id 0 and 0xffffffff like any other", () => {
    const t = new IdSlots(16);
    const z = t.add(0);
    const f = t.add(0xffffffff);
    expect(t.get(0)).toBe(z);
    expect(t.get(0xffffffff)).toBe(f);
    expect(t.delete(0)).toBe(z);
    expect(t.get(0)).toBe(-1);
    expect(t.get(0xffffffff)).toBe(f);
    // The same id read as a signed 32-bit number.
    expect(t.get(-1)).toBe(f);
    expect(t.add(-1)).toBe(f);
    expect(t.size).toBe(1);
  });

  it("gives a freed slot to the next new id, so columns do not grow with churn", () => {
    const t = new IdSlots(16);
    for (let i = 0; i < 100; i++) t.add(i);
    expect(t.delete(42)).toBeGreaterThanOrEqual(0);
    expect(t.delete(42)).toBe(-1);
    t.add(1000);
    expect(t.slotLimit).toBe(100);
    expect(t.size).toBe(100);
  });

  it("agrees with a Map over 200,000 random adds, deletes and lookups (clustered and spread ids)", () => {
    const next = createRng(7).next;
    const t = new IdSlots(16);
    const model = new Map<number, number>();
    const used = new Set<number>();
    // Ids that differ only in their top bits, sequential ones and random ones.
    const pool = [
      ...Array.from({ length: 300 }, (_, i) => (i << 24) >>> 0),
      ...Array.from({ length: 300 }, (_, i) => 0x0a000000 + i),
      ...Array.from({ length: 400 }, () => Math.floor(next() * 2 ** 32)),
    ];
    for (let step = 0; step < 200_000; step++) {
      const id = pool[Math.floor(next() * pool.length)]!;
      const r = next();
      if (r < 0.5) {
        const s = t.add(id);
        if (model.has(id)) expect(s).toBe(model.get(id));
        else {
          expect(used.has(s)).toBe(false);
          model.set(id, s);
          used.add(s);
        }
      } else if (r < 0.8) {
        const s = t.delete(id);
        expect(s).toBe(model.get(id) ?? -1);
        if (model.has(id)) {
          used.delete(model.get(id)!);
          model.delete(id);
        }
      } else expect(t.get(id)).toBe(model.get(id) ?? -1);
    }
    expect(t.size).toBe(model.size);
    expect(new Map(t.entries())).toEqual(model);
    // Slots stay dense: never more than the most ids held at once.
    expect(t.slotLimit).toBeLessThanOrEqual(pool.length);
  });

  it("grows a per-slot column only when a slot does not fit, keeping what it held", () => {
    const a = new Float64Array([1.5, 2.5]);
    expect(withRoom(a, 1)).toBe(a);
    const b = withRoom(a, 2);
    expect(b).toBeInstanceOf(Float64Array);
    expect([...b]).toEqual([1.5, 2.5, 0, 0]);
    const c = withRoom(new Uint32Array([7]), 9);
    expect(c).toBeInstanceOf(Uint32Array);
    expect(c.length).toBe(16);
    expect(c[0]).toBe(7);
  });
});
