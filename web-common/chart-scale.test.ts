/**
 * The charts' pure maths (web-common/js/chart-scale.js): the read-out picks the
 * point nearest the pointer, a narrow chart gets fewer ticks rather than
 * smaller text, and a range named in a URL is one the charts offer.
 */
import { describe, expect, it } from "vitest";

type Point = [number, number];
const scale = (await import(new URL("./js/chart-scale.js", import.meta.url).href)) as {
  nearestIndex(sorted: Point[], ms: number): number;
  timeTicks(from: number, to: number, count: number, offsetMin?: number): number[];
  niceTicks(min: number, max: number, count: number): number[];
  chartLayout(width: number): { narrow: boolean; fontPx: number; xTicks: number; yTicks: number };
  rangeKeyOf(text: string | null, fallback: string): string;
};

describe("chart scale", () => {
  const pts: Point[] = [
    [1000, 5],
    [2000, 7],
    [4000, 9],
  ];

  it("reads the point nearest in time to the pointer, the earlier one on a tie", () => {
    expect(scale.nearestIndex(pts, 0)).toBe(0);
    expect(scale.nearestIndex(pts, 1400)).toBe(0);
    expect(scale.nearestIndex(pts, 1600)).toBe(1);
    expect(scale.nearestIndex(pts, 3000)).toBe(1);
    expect(scale.nearestIndex(pts, 3001)).toBe(2);
    expect(scale.nearestIndex(pts, 9999)).toBe(2);
    expect(scale.nearestIndex([], 5)).toBe(-1);
  });

  it("puts at most count + 1 time ticks on round local times inside the range", () => {
    const from = Date.UTC(2026, 0, 1, 10, 7);
    const to = from + 3_600_000;
    for (const count of [3, 5, 7]) {
      const ticks = scale.timeTicks(from, to, count, -480);
      expect(ticks.length).toBeGreaterThan(0);
      expect(ticks.length).toBeLessThanOrEqual(count + 1);
      expect(ticks.every((t) => t >= from && t <= to)).toBe(true);
      expect(ticks.every((t) => t % 60_000 === 0)).toBe(true);
    }
    // A day in Shanghai (UTC+8) starts at local midnight.
    const day = scale.timeTicks(Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 8), 7, -480);
    expect(day.every((t) => (t + 8 * 3_600_000) % 86_400_000 === 0)).toBe(true);
  });

  it("covers the largest value with round ticks", () => {
    expect(scale.niceTicks(0, 2222, 5)).toEqual([0, 500, 1000, 1500, 2000, 2500]);
    expect(scale.niceTicks(0, 905, 4)).toEqual([0, 500, 1000]);
  });

  it("gives a phone-width chart fewer ticks and text no smaller than 12 px", () => {
    const phone = scale.chartLayout(360);
    const desk = scale.chartLayout(1100);
    expect(phone.narrow).toBe(true);
    expect(phone.xTicks).toBeLessThan(desk.xTicks);
    expect(phone.yTicks).toBeLessThanOrEqual(desk.yTicks);
    expect(phone.fontPx).toBeGreaterThanOrEqual(12);
  });

  it("takes a range from the URL only when the charts offer it", () => {
    expect(scale.rangeKeyOf("1h", "6h")).toBe("1h");
    expect(scale.rangeKeyOf("7d", "6h")).toBe("7d");
    expect(scale.rangeKeyOf("toString", "6h")).toBe("6h");
    expect(scale.rangeKeyOf(null, "6h")).toBe("6h");
  });
});
