/**
 * The last hours of each device's readings, in memory, for the installer
 * page's charts: a charger's power per port and its shed temperature, a
 * battery device's voltage, a detector's smoke level. Readings are kept as
 * the device sent them (the chart's read-out is the exact reading), at most
 * `maxAgeMs` old and `maxPerSeries` per series, so memory is bounded whatever
 * the reporting rate: 12 ports × 1,440 readings × 6 bytes ≈ 100 KB per charger.
 * Over all devices at most `maxTotal` readings are held (issue 15: RSS at
 * 10,000 devices; 25,000 full series would be ~600 MB): a site with more
 * series than `maxTotal / maxPerSeries` keeps `maxTotal / series` per series
 * (never fewer than `minPerSeries`), the newest.
 * Nothing here is durable: the outbox carries every reading to the cloud,
 * whose time-series database is the history; this is the gateway's own view
 * while the installer stands in the compound.
 */

import { clampInt, clampUint } from "../../protocol/bytes.js";
import type { UplinkMsg } from "../../protocol/messages.js";
import { fromI16, PairPool } from "./pair-pool.js";

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

/**
 * 1,000,000 readings: 690 full series (e.g. 53 chargers of 12 ports) at 1,440 each. Full, at
 * 10,000 devices (22,000 series), they take 12.0 MB with their series (`bench/readings-memory.ts`;
 * 30 MB as number arrays).
 */
export const DEFAULT_READINGS: RecentReadingsOptions = {
  maxAgeMs: 24 * 3_600_000,
  maxPerSeries: 1_440,
  maxTotal: 1_000_000,
  minPerSeries: 16,
};

/** Readings per block: a series holds a chain of blocks, the newest partly filled. */
const BLOCK = 16;
const NONE = -1;
/** Blocks the per-block metadata grows by (the pool's chunk: 4,096 blocks of 16). */
const GROW_BLOCKS = 4096;

/**
 * Every series' readings in blocks of BLOCK readings of a PairPool (6 bytes a
 * reading; ~24 MB for the budget of 1,000,000 at 10,000 devices as number
 * arrays, issue 15). A reading is its time as an Int32 offset (ms) from its
 * block's base time (a double), and its value as the 16-bit wire field it came
 * in: power W and battery mV and smoke level unsigned, the shed temperature
 * in signed tenths of a degree (kept in tenths, divided on read, so `325 / 10`
 * gives the same double as when it was recorded). A time whose offset is not
 * an Int32 (a series silent for 25 days, a fractional time) starts a new block.
 * Dropped readings give whole blocks back; nothing is allocated per reading.
 */
class BlockPool {
  private readonly pairs = new PairPool(BLOCK);
  /** Per block: base time, readings written, next block of its series. */
  private bases = new Float64Array(0);
  private fills = new Uint8Array(0);
  private nexts = new Int32Array(0);

  inUse(): number {
    return this.pairs.inUse();
  }

  take(base: number): number {
    const b = this.pairs.take();
    if (b >= this.bases.length) this.grow(this.bases.length + GROW_BLOCKS);
    this.bases[b] = base;
    this.fills[b] = 0;
    this.nexts[b] = NONE;
    return b;
  }

  release(b: number): void {
    this.pairs.release(b);
  }

  base(b: number): number {
    return this.bases[b]!;
  }
  fill(b: number): number {
    return this.fills[b]!;
  }
  next(b: number): number {
    return this.nexts[b]!;
  }
  link(b: number, next: number): void {
    this.nexts[b] = next;
  }

  /** Appends (offset, value) to block b (which has room); false if the offset is no Int32. */
  append(b: number, offset: number, value: number): boolean {
    if ((offset | 0) !== offset) return false;
    const i = this.fills[b]!;
    this.pairs.set(b, i, offset, value);
    this.fills[b] = i + 1;
    return true;
  }

  time(b: number, i: number): number {
    return this.bases[b]! + this.pairs.time(b, i);
  }

  value(b: number, i: number): number {
    return this.pairs.value(b, i);
  }

  private grow(n: number): void {
    const bases = new Float64Array(n);
    bases.set(this.bases);
    this.bases = bases;
    const fills = new Uint8Array(n);
    fills.set(this.fills);
    this.fills = fills;
    const nexts = new Int32Array(n);
    nexts.set(this.nexts);
    this.nexts = nexts;
  }
}

/**
 * One series: a chain of blocks from `head` (oldest) to `tail` (newest). Five
 * small integers (64 bytes an object at 22,000 series): what it measures is
 * `kind`, and the time of its newest reading is read from its tail block.
 */
interface Ring {
  /** A charger port's power (the port index, from 0), or one of the KIND_ codes. */
  kind: number;
  head: number;
  /** First held reading in the head block. */
  headAt: number;
  tail: number;
  /** Readings held. */
  count: number;
}

const KIND_TEMP = -1;
const KIND_SMOKE = -2;
const KIND_BATTERY = -3;

function metricOf(kind: number): ReadingMetric {
  return kind >= 0
    ? "power_w"
    : kind === KIND_TEMP
      ? "temp_c"
      : kind === KIND_SMOKE
        ? "smoke"
        : "battery_mv";
}

export class RecentReadings {
  /** A device's series, in a short array (at most 13, found by key): a Map each was ~250 bytes. */
  private readonly devices = new Map<number, Ring[]>();
  private readonly opts: RecentReadingsOptions;
  private readonly pool = new BlockPool();
  /** Series held (rings), over all devices. */
  private seriesCount = 0;
  /** Readings held, over all devices. */
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
        for (let i = 0; i < ports.length; i++) this.put(rings, i, ports[i]!.powerW, ts);
        // In tenths of a degree: divided by 10 when read.
        this.put(rings, KIND_TEMP, msg.tempDeciC, ts);
        return;
      }
      case "smoke-event": {
        const rings = this.ringsOf(deviceId);
        this.put(rings, KIND_SMOKE, msg.smokeLevel, ts);
        this.put(rings, KIND_BATTERY, msg.batteryMv, ts);
        return;
      }
      case "status":
      case "guardian-activity":
        this.put(this.ringsOf(deviceId), KIND_BATTERY, msg.batteryMv, ts);
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

  private put(rings: Ring[], kind: number, reading: number, ts: number): void {
    // The wire field's 16 bits (every kept metric is one), clamped as the encoder clamps it: a
    // value from a frame is in range.
    const value =
      kind === KIND_TEMP ? clampInt(reading, -0x8000, 0x7fff) & 0xffff : clampUint(reading, 0xffff);
    let ring: Ring | undefined;
    for (let i = 0; i < rings.length; i++)
      if (rings[i]!.kind === kind) {
        ring = rings[i]!;
        break;
      }
    if (!ring) {
      ring = { kind, head: NONE, headAt: 0, tail: NONE, count: 0 };
      rings.push(ring);
      this.seriesCount++;
    }
    // A late copy (merged from a slower receiver) never goes before a newer reading.
    const pool = this.pool;
    if (ring.count > 0 && ts < pool.time(ring.tail, pool.fill(ring.tail) - 1)) return;
    let b = ring.tail;
    if (b === NONE || pool.fill(b) === BLOCK || !pool.append(b, ts - pool.base(b), value)) {
      const nb = pool.take(ts);
      if (b === NONE) {
        ring.head = nb;
        ring.headAt = 0;
      } else pool.link(b, nb);
      ring.tail = nb;
      b = nb;
      pool.append(b, 0, value);
    }
    ring.count++;
    this.total++;
    // Over its share or its age (a series silent past maxAgeMs keeps only this reading).
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
    const pool = this.pool;
    const out: ReadingSeries[] = [];
    for (const r of rings) {
      const points: Array<[number, number]> = [];
      for (let b = r.head, i = r.headAt; b !== NONE; b = pool.next(b), i = 0)
        for (const n = pool.fill(b); i < n; i++) {
          const t = pool.time(b, i);
          if (t < from || t > to) continue;
          const v = pool.value(b, i);
          points.push([t, r.kind === KIND_TEMP ? fromI16(v) / 10 : v]);
        }
      const metric = metricOf(r.kind);
      out.push(r.kind >= 0 ? { metric, port: r.kind, points } : { metric, points });
    }
    // Metric names are ASCII: compared by code unit (localeCompare would load ICU's collation).
    return out.sort(
      (a, b) =>
        (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0) || (a.port ?? 0) - (b.port ?? 0),
    );
  }

  /** A device removed or replaced: its readings go too. */
  forget(deviceId: number): void {
    const rings = this.devices.get(deviceId);
    if (!rings) return;
    for (const r of rings) {
      this.total -= r.count;
      this.freeAll(r);
    }
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

  /** Blocks of BLOCK readings in use (for tests: dropped readings give theirs back). */
  blocksInUse(): number {
    return this.pool.inUse();
  }

  /** Drops the oldest readings while over the count (`cap`) or older than the age limit. */
  private trim(r: Ring, now: number, cap: number): void {
    const pool = this.pool;
    const oldest = now - this.opts.maxAgeMs;
    while (r.count > 0 && (r.count > cap || pool.time(r.head, r.headAt) < oldest)) {
      r.count--;
      this.total--;
      if (++r.headAt >= pool.fill(r.head)) {
        const next = pool.next(r.head);
        pool.release(r.head);
        r.head = next;
        r.headAt = 0;
        if (next === NONE) r.tail = NONE;
      }
    }
  }

  private freeAll(r: Ring): void {
    for (let b = r.head; b !== NONE; ) {
      const next = this.pool.next(b);
      this.pool.release(b);
      b = next;
    }
    r.head = NONE;
    r.tail = NONE;
    r.headAt = 0;
    r.count = 0;
  }
}
