/**
 * The last hours of each device's readings, in memory, for the installer
 * page's charts: a charger's power per port and its shed temperature, a
 * battery device's voltage, a detector's smoke level. Readings are kept as
 * the device sent them (the chart's read-out is the exact reading), at most
 * `maxAgeMs` old and `maxPerSeries` per series, so memory is bounded whatever
 * the reporting rate: 12 ports × 1,440 readings × 16 bytes ≈ 280 KB per charger.
 * Nothing here is durable: the outbox carries every reading to the cloud,
 * whose time-series database is the history; this is the gateway's own view
 * while the installer stands in the compound.
 */
import type { UplinkMsg } from "../../protocol/messages.js";

export type ReadingMetric = "power_w" | "temp_c" | "battery_mv" | "smoke";

export interface ReadingSeries {
  metric: ReadingMetric;
  /** Charger port index from 0 (people see it from 1), for power_w. */
  port?: number;
  points: Array<[number, number]>;
}

export interface RecentReadingsOptions {
  maxAgeMs: number;
  maxPerSeries: number;
}

export const DEFAULT_READINGS: RecentReadingsOptions = {
  maxAgeMs: 24 * 3_600_000,
  maxPerSeries: 1_440,
};

interface Ring {
  metric: ReadingMetric;
  port: number | undefined;
  times: number[];
  values: number[];
}

/** The readings one message carries, as [metric, port, value]. Pure. */
export function readingsOf(msg: UplinkMsg): Array<[ReadingMetric, number | undefined, number]> {
  switch (msg.type) {
    case "charger-telemetry":
      return [
        ...msg.ports.map((p, i) => ["power_w", i, p.powerW] as [ReadingMetric, number, number]),
        ["temp_c", undefined, msg.tempDeciC / 10],
      ];
    case "smoke-event":
      return [
        ["smoke", undefined, msg.smokeLevel],
        ["battery_mv", undefined, msg.batteryMv],
      ];
    case "status":
    case "guardian-activity":
      return [["battery_mv", undefined, msg.batteryMv]];
    default:
      return [];
  }
}

export class RecentReadings {
  private readonly devices = new Map<number, Map<string, Ring>>();

  constructor(private readonly opts: RecentReadingsOptions = DEFAULT_READINGS) {}

  /** Records what `msg` reports, at `ts` (when the gateway accepted it). */
  record(deviceId: number, msg: UplinkMsg, ts: number): void {
    const found = readingsOf(msg);
    if (found.length === 0) return;
    let rings = this.devices.get(deviceId);
    if (!rings) {
      rings = new Map();
      this.devices.set(deviceId, rings);
    }
    for (const [metric, port, value] of found) {
      const key = port === undefined ? metric : `${metric}/${port}`;
      let ring = rings.get(key);
      if (!ring) {
        ring = { metric, port, times: [], values: [] };
        rings.set(key, ring);
      }
      // A late copy (merged from a slower receiver) never goes before a newer reading.
      if (ring.times.length > 0 && ts < (ring.times[ring.times.length - 1] ?? 0)) continue;
      ring.times.push(ts);
      ring.values.push(value);
      this.trim(ring, ts);
    }
  }

  /** The device's series with the readings in [from, to], oldest first. */
  series(deviceId: number, from: number, to: number): ReadingSeries[] {
    const rings = this.devices.get(deviceId);
    if (!rings) return [];
    const out: ReadingSeries[] = [];
    for (const r of rings.values()) {
      const points: Array<[number, number]> = [];
      for (let i = 0; i < r.times.length; i++) {
        const t = r.times[i] ?? 0;
        if (t >= from && t <= to) points.push([t, r.values[i] ?? 0]);
      }
      out.push(
        r.port === undefined
          ? { metric: r.metric, points }
          : { metric: r.metric, port: r.port, points },
      );
    }
    return out.sort((a, b) => a.metric.localeCompare(b.metric) || (a.port ?? 0) - (b.port ?? 0));
  }

  /** A device removed or replaced: its readings go too. */
  forget(deviceId: number): void {
    this.devices.delete(deviceId);
  }

  /** Readings held, over all devices (for health and the memory bench). */
  size(): number {
    let n = 0;
    for (const rings of this.devices.values()) for (const r of rings.values()) n += r.times.length;
    return n;
  }

  private trim(r: Ring, now: number): void {
    let drop = Math.max(0, r.times.length - this.opts.maxPerSeries);
    while (drop < r.times.length && (r.times[drop] ?? 0) < now - this.opts.maxAgeMs) drop++;
    if (drop > 0) {
      r.times.splice(0, drop);
      r.values.splice(0, drop);
    }
  }
}
