import { describe, expect, it } from "vitest";
import { WakeHeap } from "./wake-heap.js";

describe("wake heap", () => {
  it("gives wake-ups earliest first, moves them in place and forgets deleted ones", () => {
    const h = new WakeHeap<string>();
    for (const [k, t] of [
      ["a", 50],
      ["b", 10],
      ["c", 30],
      ["d", 40],
      ["e", 20],
    ] as const)
      h.set(k, t);
    h.set("a", 5); // earlier
    h.set("b", 45); // later
    h.delete("c");
    h.set("e", 20); // unchanged
    const order: string[] = [];
    for (let x = h.pop(); x; x = h.pop()) order.push(`${x.key}@${x.atMs}`);
    expect(order).toEqual(["a@5", "e@20", "d@40", "b@45"]);
    expect(h.size).toBe(0);
  });

  it("peeks at the earliest key without taking it, and set() moves it on", () => {
    const h = new WakeHeap<string>();
    h.set("a", 10);
    h.set("b", 20);
    expect(h.peekKey()).toBe("a");
    expect(h.size).toBe(2);
    h.set("a", 30); // the device ran its timer: its next one is later
    expect(h.peekKey()).toBe("b");
    expect(h.peekMs()).toBe(20);
    h.delete("b");
    expect(h.peekKey()).toBe("a");
    h.delete("a");
    expect(h.peekKey()).toBeUndefined();
  });

  it("keeps ties in the order they were set", () => {
    const h = new WakeHeap<number>();
    for (let i = 0; i < 20; i++) h.set(i, 100);
    const keys: number[] = [];
    for (let x = h.pop(); x; x = h.pop()) keys.push(x.key);
    expect(keys).toEqual([...Array(20).keys()]);
  });
});
