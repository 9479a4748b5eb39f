/**
 * The last hours of each device's readings, in memory, for the installer
 * page's charts: a charger's power per port and its shed temperature, a
 * battery device's voltage, a detector's smoke level. Readings are kept as
 * the device sent them (the chart's read-out is the exact reading), at most
 * `maxAgeMs` old and `maxPerSeries` per series, so memory is bounded whatever
 * the reporting rate: 12 ports × 1,440 readings × 16 bytes ≈ 280 KB per charger.
 * Over all devices at most `maxTotal` readings are held (issue 15: RSS at
 * 10,000 devices; 25,000 full series would be ~600 MB): a site with more
 * series than `maxTotal / maxPerSeries` keeps `maxTotal / series` per series
 * (never fewer than `minPerSeries`), the newest.
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
  /** Readings held over all series; more series than maxTotal/maxPerSeries share it. */
  maxTotal: number;
  /** A series keeps at least this many, whatever the number of series. */
  minPerSeries: number;
}

/** 1,000,000 readings ≈ 16 MB: 690 full series (e.g. 53 chargers of 12 ports) at 1,440 each. */
export const DEFAULT_READINGS: RecentReadingsOptions = {
  maxAgeMs: 24 * 3_600_000,
  maxPerSeries: 1_440,
  maxTotal: 1_000_000,
  minPerSeries: 16,
};

/**
 * One series: its readings as (time, value) pairs in one array of numbers
 * (`data[2i]`, `data[2i + 1]`), not two: at 10,000 devices most series hold a
 * few readings, and each array of numbers starts with room for 17 (~150 bytes).
 */
interface Ring {
  key: string;
  metric: ReadingMetric;
  port: number | undefined;
  data: number[];
  /** Readings before this one (pair index) are dropped (spliced off in chunks, not one at a time). */
  head: number;
}

/** Series keys of charger ports (no string built per reading). */
const POWER_KEYS = Array.from({ length: 64 }, (_, i) => `power_w/${i}`);

export class RecentReadings {
  /** A device's series, in a short array (at most 13, found by key): a Map each was ~250 bytes. */
  private readonly devices = new Map<number, Ring[]>();
  private readonly opts: RecentReadingsOptions;
  /** Series held (rings), over all devices. */
  private seriesCount = 0;
  /** Readings held (after each ring's head), over all devices. */
  private total = 0;

  constructor(opts: Partial<RecentReadingsOptions> = {}) {
    this.opts = { ...DEFAULT_READINGS, ...opts };
  }

  /** Readings a series may hold now: maxPerSeries, or its share of maxTotal. */
  perSeries(): number {
    const share = Math.floor(this.opts.maxTotal / Math.max(1, this.seriesCount));
    return Math.min(this.opts.maxPerSeries, Math.max(this.opts.minPerSeries, share));
  }

  /** Records what `msg` reports, at `ts` (when the gateway accepted it). */
  record(deviceId: number, msg: UplinkMsg, ts: number): void {
    // The per-frame path: no tuple or key string built per reading.
    switch (msg.type) {
      case "charger-telemetry": {
        const rings = this.ringsOf(deviceId);
        const ports = msg.ports;
        for (let i = 0; i < ports.length; i++)
          this.put(rings, POWER_KEYS[i] ?? `power_w/${i}`, "power_w", i, ports[i]!.powerW, ts);
        this.put(rings, "temp_c", "temp_c", undefined, msg.tempDeciC / 10, ts);
        return;
      }
      case "smoke-event": {
        const rings = this.ringsOf(deviceId);
        this.put(rings, "smoke", "smoke", undefined, msg.smokeLevel, ts);
        this.put(rings, "battery_mv", "battery_mv", undefined, msg.batteryMv, ts);
        return;
      }
      case "status":
      case "guardian-activity":
        this.put(this.ringsOf(deviceId), "battery_mv", "battery_mv", undefined, msg.batteryMv, ts);
        return;
      default:
        return;
    }
  }

  private ringsOf(deviceId: number): Ring[] {
    let rings = this.devices.get(deviceId);
    if (!rings) {
      rings = [];
      this.devices.set(deviceId, rings);
    }
    return rings;
  }

  private put(
    rings: Ring[],
    key: string,
    metric: ReadingMetric,
    port: number | undefined,
    value: number,
    ts: number,
  ): void {
    let ring: Ring | undefined;
    for (let i = 0; i < rings.length; i++)
      if (rings[i]!.key === key) {
        ring = rings[i]!;
        break;
      }
    if (!ring) {
      ring = { key, metric, port, data: [], head: 0 };
      rings.push(ring);
      this.seriesCount++;
    }
    const d = ring.data;
    // A late copy (merged from a slower receiver) never goes before a newer reading.
    if (d.length > 2 * ring.head && ts < (d[d.length - 2] ?? 0)) return;
    d.push(ts, value);
    this.total++;
    const cap = this.perSeries();
    this.trim(ring, ts, cap);
    // New series took the budget's room: every series down to its share (rare: once per
    // new series at a full site). With minPerSeries over the budget, the floor is the bound.
    if (this.total > Math.max(this.opts.maxTotal, this.seriesCount * cap))
      for (const d of this.devices.values()) for (const r of d) this.trim(r, ts, cap);
  }

  /** The device's series with the readings in [from, to], oldest first. */
  series(deviceId: number, from: number, to: number): ReadingSeries[] {
    const rings = this.devices.get(deviceId);
    if (!rings) return [];
    const out: ReadingSeries[] = [];
    for (const r of rings) {
      const points: Array<[number, number]> = [];
      for (let i = 2 * r.head; i < r.data.length; i += 2) {
        const t = r.data[i] ?? 0;
        if (t >= from && t <= to) points.push([t, r.data[i + 1] ?? 0]);
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
    const rings = this.devices.get(deviceId);
    if (!rings) return;
    for (const r of rings) this.total -= r.data.length / 2 - r.head;
    this.seriesCount -= rings.length;
    this.devices.delete(deviceId);
  }

  /** Readings held, over all devices (for health and the memory bench). */
  size(): number {
    return this.total;
  }

  /** Series held, over all devices. */
  seriesHeld(): number {
    return this.seriesCount;
  }

  /**
   * Drops what is over the count (`cap`) or the age. The arrays are spliced
   * once an eighth of a series (at least 8) is dropped: one splice per reading
   * moved the whole series (1,440 numbers twice) for every reading of a busy
   * device.
   */
  private trim(r: Ring, now: number, cap: number): void {
    const n = r.data.length / 2;
    let head = Math.max(r.head, n - cap);
    while (head < n && (r.data[2 * head] ?? 0) < now - this.opts.maxAgeMs) head++;
    this.total -= head - r.head;
    if (head >= Math.max(8, cap >> 3)) {
      r.data.splice(0, 2 * head);
      head = 0;
    }
    r.head = head;
  }
}
