/**
 * The gateway's recent readings (the installer page's charts): exact readings
 * per metric and port, a range that leaves out what is outside it, and memory
 * bounded by age and by count whatever the reporting rate.
 */

import { describe, expect, it } from "vitest";
import type { UplinkMsg } from "../../protocol/messages.js";
import { createRng } from "../../simulator/physics/prng.js";
import { RecentReadings, type RecentReadingsOptions } from "./recent-readings.js";

const telemetry = (powers: number[], tempDeciC = 312): UplinkMsg => ({
  type: "charger-telemetry",
  tempDeciC,
  ports: powers.map((powerW) => ({ powerW, energyWh: 1, state: 1, relayOn: true })),
});

describe("RecentReadings", () => {
  it("keeps each port's power and the shed temperature as the charger sent them", () => {
    const r = new RecentReadings();
    r.record(7, telemetry([100, 640]), 1_000);
    r.record(7, telemetry([120, 655], 325), 61_000);
    const s = r.series(7, 0, 100_000);
    expect(s.find((x) => x.metric === "power_w" && x.port === 1)?.points).toEqual([
      [1_000, 640],
      [61_000, 655],
    ]);
    expect(s.find((x) => x.metric === "temp_c")?.points).toEqual([
      [1_000, 31.2],
      [61_000, 32.5],
    ]);
    expect(r.series(8, 0, 100_000)).toEqual([]);
  });

  it("answers only the readings inside the range asked for", () => {
    const r = new RecentReadings();
    for (let i = 0; i < 10; i++) r.record(1, telemetry([i]), i * 60_000);
    const pts = r.series(1, 3 * 60_000, 5 * 60_000).find((x) => x.port === 0)?.points;
    expect(pts?.map((p) => p[1])).toEqual([3, 4, 5]);
  });

  it("forgets readings older than its age limit and beyond its count limit", () => {
    const r = new RecentReadings({ maxAgeMs: 10 * 60_000, maxPerSeries: 5 });
    for (let i = 0; i < 30; i++) r.record(1, telemetry([i]), i * 60_000);
    const pts = r.series(1, 0, 1e12).find((x) => x.port === 0)?.points ?? [];
    expect(pts.map((p) => p[1])).toEqual([25, 26, 27, 28, 29]);
    const aged = new RecentReadings({ maxAgeMs: 2 * 60_000, maxPerSeries: 100 });
    for (let i = 0; i < 30; i++) aged.record(1, telemetry([i]), i * 60_000);
    expect(
      aged
        .series(1, 0, 1e12)
        .find((x) => x.port === 0)
        ?.points.map((p) => p[1]),
    ).toEqual([27, 28, 29]);
  });

  it("keeps exactly the newest readings of a busy series, in order, across many trims", () => {
    const r = new RecentReadings({ maxAgeMs: 1e12, maxPerSeries: 100 });
    for (let i = 0; i < 1_000; i++) r.record(1, telemetry([i, 2000 - i]), i);
    const s = r.series(1, 0, 1e12);
    const newest = Array.from({ length: 100 }, (_, k) => 900 + k);
    expect(s.find((x) => x.port === 0)?.points).toEqual(newest.map((t) => [t, t]));
    expect(s.find((x) => x.port === 1)?.points).toEqual(newest.map((t) => [t, 2000 - t]));
    expect(r.size()).toBe(300);
  });

  it("keeps a detector's smoke level and battery, and ignores acknowledgements", () => {
    const r = new RecentReadings();
    r.record(
      2,
      { type: "smoke-event", event: 1, smokeLevel: 1200, batteryMv: 2900, eventId: 1 },
      5,
    );
    r.record(2, { type: "command-ack", ackedCounter: 3, result: 0 }, 6);
    const s = r.series(2, 0, 10);
    expect(s.map((x) => x.metric).sort()).toEqual(["battery_mv", "smoke"]);
    expect(r.size()).toBe(2);
  });

  it("never puts a late copy before a newer reading", () => {
    const r = new RecentReadings();
    r.record(1, telemetry([10]), 2_000);
    r.record(1, telemetry([20]), 1_000);
    expect(r.series(1, 0, 5_000).find((x) => x.port === 0)?.points).toEqual([[2_000, 10]]);
  });
});

describe("RecentReadings over many devices", () => {
  const status = (batteryMv: number): UplinkMsg => ({
    type: "status",
    deviceKind: 1,
    batteryMv,
    fwMajor: 1,
    fwMinor: 0,
    fwPatch: 0,
    uptimeS: 1,
    resetCause: 0,
  });

  it("holds at most maxTotal readings over all series, each series keeping its newest share", () => {
    const r = new RecentReadings({ maxAgeMs: 1e12, maxPerSeries: 100, maxTotal: 1_000 });
    // 10 devices fill their series to 100 each (the whole budget) ...
    for (let t = 0; t < 100; t++) for (let d = 0; d < 10; d++) r.record(d, status(t), t);
    expect(r.size()).toBe(1_000);
    // ... then 40 more devices report: 50 series share 1,000 readings, 20 each.
    for (let t = 100; t < 130; t++) for (let d = 0; d < 50; d++) r.record(d, status(t), t);
    expect(r.seriesHeld()).toBe(50);
    expect(r.perSeries()).toBe(20);
    expect(r.size()).toBeLessThanOrEqual(1_000);
    const newest = Array.from({ length: 20 }, (_, k) => 110 + k);
    for (const d of [0, 9, 49]) {
      const pts = r.series(d, 0, 1e12)[0]?.points ?? [];
      expect(pts.map((p) => p[1])).toEqual(newest);
    }
  });

  it("never goes under minPerSeries a series, and forgetting a device gives its share back", () => {
    const r = new RecentReadings({
      maxAgeMs: 1e12,
      maxPerSeries: 100,
      maxTotal: 100,
      minPerSeries: 5,
    });
    for (let t = 0; t < 50; t++) for (let d = 0; d < 40; d++) r.record(d, status(t), t);
    expect(r.perSeries()).toBe(5);
    expect(r.size()).toBe(200);
    for (let d = 1; d < 40; d++) r.forget(d);
    expect(r.size()).toBe(5);
    expect(r.perSeries()).toBe(100);
    for (let t = 50; t < 200; t++) r.record(0, status(t), t);
    expect(r.size()).toBe(100);
  });
});

/**
 * The rules in their plainest form, one array of [time, value] per series
 * (what the store kept before its readings went into blocks, issue 15).
 */
class ReferenceReadings {
  private readonly devices = new Map<number, Map<string, Array<[number, number]>>>();
  private series = 0;
  private total = 0;
  constructor(private readonly o: RecentReadingsOptions) {}
  private cap(): number {
    const share = Math.floor(this.o.maxTotal / Math.max(1, this.series));
    return Math.min(this.o.maxPerSeries, Math.max(this.o.minPerSeries, share));
  }
  put(device: number, key: string, value: number, ts: number): void {
    let d = this.devices.get(device);
    if (!d) {
      d = new Map();
      this.devices.set(device, d);
    }
    let s = d.get(key);
    if (!s) {
      s = [];
      d.set(key, s);
      this.series++;
    }
    if (s.length > 0 && ts < s[s.length - 1]![0]) return;
    s.push([ts, value]);
    this.total++;
    const cap = this.cap();
    this.trim(s, ts, cap);
    if (this.total > Math.max(this.o.maxTotal, this.series * cap))
      for (const dd of this.devices.values()) for (const ss of dd.values()) this.trim(ss, ts, cap);
  }
  private trim(s: Array<[number, number]>, now: number, cap: number): void {
    while (s.length > 0 && (s.length > cap || s[0]![0] < now - this.o.maxAgeMs)) {
      s.shift();
      this.total--;
    }
  }
  forget(device: number): void {
    const d = this.devices.get(device);
    if (!d) return;
    for (const s of d.values()) this.total -= s.length;
    this.series -= d.size;
    this.devices.delete(device);
  }
  points(device: number, key: string): Array<[number, number]> {
    return this.devices.get(device)?.get(key) ?? [];
  }
  size(): number {
    return this.total;
  }
}

describe("RecentReadings against the reference rules", () => {
  it("keeps exactly the same readings over 30,000 random frames, forgets, late copies and long silences", () => {
    const next = createRng(11).next;
    const o: RecentReadingsOptions = {
      maxAgeMs: 3_600_000,
      maxPerSeries: 40,
      maxTotal: 600,
      minPerSeries: 3,
    };
    const r = new RecentReadings(o);
    const ref = new ReferenceReadings(o);
    let now = 1_700_000_000_000;
    for (let step = 0; step < 30_000; step++) {
      const x = next();
      // Mostly seconds apart; sometimes 30 days (an Int32 of ms holds 24.8), sometimes a
      // fraction of a ms, sometimes a late copy from the past.
      now += x < 0.001 ? 30 * 86_400_000 : x < 0.01 ? 0.25 : Math.floor(next() * 20_000);
      const ts = next() < 0.02 ? now - Math.floor(next() * 60_000) : now;
      const device = Math.floor(next() * 25);
      if (next() < 0.002) {
        r.forget(device);
        ref.forget(device);
        continue;
      }
      // Whole 16-bit fields: a charger event's power is 16 bits, the temperature signed tenths.
      const powers = [Math.floor(next() * 4096), Math.floor(next() * 65_536)];
      const deci =
        next() < 0.05 ? Math.floor(next() * 65_536) - 32_768 : Math.floor(next() * 1200) - 400;
      r.record(device, telemetry(powers, deci), ts);
      ref.put(device, "power_w/0", powers[0]!, ts);
      ref.put(device, "power_w/1", powers[1]!, ts);
      ref.put(device, "temp_c", deci / 10, ts);
    }
    expect(r.size()).toBe(ref.size());
    for (let device = 0; device < 25; device++) {
      const got = r.series(device, -Infinity, Infinity);
      const byKey = (m: string, port?: number) =>
        got.find((s) => s.metric === m && s.port === port)?.points ?? [];
      expect(byKey("power_w", 0)).toEqual(ref.points(device, "power_w/0"));
      expect(byKey("power_w", 1)).toEqual(ref.points(device, "power_w/1"));
      expect(byKey("temp_c")).toEqual(ref.points(device, "temp_c"));
    }
  });

  it("gives back each wire field's extremes exactly, and holds a value from outside the field to its range", () => {
    const r = new RecentReadings();
    const sent: Array<[number[], number]> = [
      [[0, 65_535], -32_768],
      [[65_535, 1], 32_767],
      [[4095, 0], -1],
    ];
    for (const [i, [p, deci]] of sent.entries()) r.record(7, telemetry(p, deci), 1000 + i);
    const got = r.series(7, -Infinity, Infinity);
    expect(got.map((s) => [s.metric, s.port])).toEqual([
      ["power_w", 0],
      ["power_w", 1],
      ["temp_c", undefined],
    ]);
    expect(got[0]!.points.map((p) => p[1])).toEqual([0, 65_535, 4095]);
    expect(got[1]!.points.map((p) => p[1])).toEqual([65_535, 1, 0]);
    expect(got[2]!.points.map((p) => p[1])).toEqual([-3276.8, 3276.7, -0.1]);
    // Not from a frame (the decoder cannot give these): held to the field, never wrapped.
    r.record(8, telemetry([70_000, -5], 40_000), 2000);
    r.record(8, telemetry([1.6, 0], -40_000), 2001);
    const held = r.series(8, -Infinity, Infinity);
    expect(held[0]!.points.map((p) => p[1])).toEqual([65_535, 2]);
    expect(held[1]!.points.map((p) => p[1])).toEqual([0, 0]);
    expect(held[2]!.points.map((p) => p[1])).toEqual([3276.7, -3276.8]);
  });

  it("gives every block back: a full series that keeps reporting holds the same memory", () => {
    const r = new RecentReadings({ maxAgeMs: 1e12, maxPerSeries: 100, maxTotal: 10_000 });
    for (let t = 0; t < 1_000; t++) r.record(1, telemetry([t]), t);
    const held = r.blocksInUse();
    for (let t = 1_000; t < 50_000; t++) r.record(1, telemetry([t]), t);
    expect(r.blocksInUse()).toBe(held);
    r.forget(1);
    expect(r.blocksInUse()).toBe(0);
    expect(r.size()).toBe(0);
  });
});
