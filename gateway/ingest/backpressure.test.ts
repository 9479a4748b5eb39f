import { describe, expect, it } from "vitest";
import { IngestBackpressure } from "./backpressure.js";

describe("IngestBackpressure", () => {
  it("holds reading above the mark and reads again only once the backlog is down to half", () => {
    const calls: boolean[] = [];
    const bp = new IngestBackpressure(100, (on) => calls.push(on));
    bp.update(100);
    expect(calls).toEqual([]);
    bp.update(101);
    expect(calls).toEqual([true]);
    expect(bp.holding).toBe(true);
    bp.update(500);
    bp.update(51);
    expect(calls).toEqual([true]);
    bp.update(50);
    expect(calls).toEqual([true, false]);
    expect(bp.holding).toBe(false);
    bp.update(200);
    expect(calls).toEqual([true, false, true]);
    expect(bp.holds).toBe(2);
  });

  it("never holds with a mark of 0, and a reload to 0 lets a held link read again", () => {
    const calls: boolean[] = [];
    const bp = new IngestBackpressure(0, (on) => calls.push(on));
    bp.update(1_000_000);
    expect(calls).toEqual([]);
    bp.configure(10);
    bp.update(11);
    expect(calls).toEqual([true]);
    bp.configure(0);
    bp.update(1_000);
    expect(calls).toEqual([true, false]);
  });
});
