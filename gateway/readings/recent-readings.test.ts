/**
 * The gateway's recent readings (the installer page's charts): exact readings
 * per metric and port, a range that leaves out what is outside it, and memory
 * bounded by age and by count whatever the reporting rate.
 */
import { describe, expect, it } from "vitest";
import type { UplinkMsg } from "../../protocol/messages.js";
import { RecentReadings } from "./recent-readings.js";

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
    for (let i = 0; i < 1_000; i++) r.record(1, telemetry([i, -i]), i);
    const s = r.series(1, 0, 1e12);
    const newest = Array.from({ length: 100 }, (_, k) => 900 + k);
    expect(s.find((x) => x.port === 0)?.points).toEqual(newest.map((t) => [t, t]));
    expect(s.find((x) => x.port === 1)?.points).toEqual(newest.map((t) => [t, -t]));
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
