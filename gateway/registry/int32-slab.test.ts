import { describe, expect, it } from "vitest";
import { Int32Slab } from "./int32-slab.js";

describe("Int32Slab", () => {
  it("hands out zeroed views that share a chunk and never overlap", () => {
    const slab = new Int32Slab(64);
    const views = Array.from({ length: 10 }, () => slab.take(16));
    views.forEach((v, i) => {
      expect(Array.from(v)).toEqual(new Array(16).fill(0));
      v.fill(i + 1);
    });
    views.forEach((v, i) => {
      expect(Array.from(v)).toEqual(new Array(16).fill(i + 1));
    });
    // four views of 16 fill a chunk of 64; the fifth starts the next one
    expect(views[1]!.buffer).toBe(views[0]!.buffer);
    expect(views[3]!.buffer).toBe(views[0]!.buffer);
    expect(views[4]!.buffer).not.toBe(views[0]!.buffer);
    expect(views[4]!.byteOffset).toBe(0);
  });

  it("refuses a view larger than a chunk", () => {
    expect(() => new Int32Slab(8).take(9)).toThrow(/9 values do not fit a chunk of 8/);
  });
});
