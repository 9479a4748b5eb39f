/**
 * Illegal load on a charging port (a heater, a modified battery): either a
 * flat resistive draw — at least `flatMinW` for `windowS` with a spread under
 * `flatTolerancePct` and no charging taper — or a sudden step of `stepW` to at
 * least `stepAboveW` between two readings. The port is cut with a RELAY off
 * downlink and an alarm says which signature matched, with the numbers
 * (HAZARDS: within 60 s). A lithium charger's CC phase stays well under
 * 800 W on e-bike packs and its CV phase tapers, so neither signature fires.
 * The alarm stays until the port is restored (restore event or relay on again).
 */

import { portLabel } from "../../common/port-label.js";
import { clampUint } from "../../protocol/bytes.js";
import {
  CHARGER_EVENT_RESTORED,
  PORT_ALL,
  PORT_CHARGING,
  PORT_IDLE,
  REASON_ILLEGAL_LOAD,
} from "../../protocol/constants.js";
import type { IllegalLoadRuleConfig } from "../config/site-config.js";
import { PairPool } from "../readings/pair-pool.js";
import { type Action, PRIORITY_ALARM } from "../types.js";
import { num, type RuleModule } from "./rule-module.js";

/** Samples kept per port: enough for a 10-minute window at 10 s telemetry (a power of two). */
export const MAX_SAMPLES = 64;
const RING_MASK = MAX_SAMPLES - 1;
const INT32_MAX = 2 ** 31 - 1;

/**
 * Every port's recent readings, one ring of MAX_SAMPLES per port in a shared
 * PairPool (issue 15: gateway RSS). As a number array per port a full port
 * held ~1.1 KB, 13 MB at 12,000 ports; a ring is 384 bytes: a reading's time
 * as an Int32 offset in whole ms from its port's base time (the gateway stamps
 * frames in whole ms), and its watts in 16 bits (telemetry power is 12 bits on
 * the wire, a charger event's 16; a value from elsewhere is rounded to the
 * watt and held to 0-65,535 W). A port takes a ring
 * with its first live reading and gives it back when its samples are cleared.
 */
export function samplePool(): PairPool {
  return new PairPool(MAX_SAMPLES);
}

/** A charging port's state for the rule. */
export interface PortTrack {
  pool: PairPool;
  /** Its ring in the pool; -1: none (no samples). */
  ring: number;
  /** Ring index of the oldest sample, and samples held. */
  head: number;
  count: number;
  /** Time (ms) the offsets count from. */
  base: number;
  /** Start of the current run of readings at or above flatMinW (set, never deleted: one shape). */
  highSince: number | undefined;
  /** A signature matched; no new alarm until the port is restored. */
  tripped: boolean;
  seenOff: boolean;
  lastAt: number;
}

/** A port with no samples yet, first heard at `at`. */
export function newTrack(pool: PairPool, at: number): PortTrack {
  return {
    pool,
    ring: -1,
    head: 0,
    count: 0,
    base: 0,
    highSince: undefined,
    tripped: false,
    seenOff: false,
    lastAt: at,
  };
}

export interface IllegalLoadState {
  /** Per charger, its ports' tracks by port index. */
  ports: Map<number, Array<PortTrack | undefined>>;
  pool: PairPool;
}

export function flatSignature(
  rule: IllegalLoadRuleConfig,
  t: PortTrack,
  now: number,
): string | undefined {
  if (t.highSince === undefined || now - t.highSince < rule.windowS * 1000) return undefined;
  const from = now - rule.windowS * 1000;
  const n = sampleCount(t);
  let first = 0;
  while (first < n && sampleAt(t, first) < from) first++;
  const count = n - first;
  if (count < 3) return undefined;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  let sum = 0;
  for (let i = first; i < n; i++) {
    const w = sampleW(t, i);
    min = Math.min(min, w);
    max = Math.max(max, w);
    sum += w;
  }
  const mean = sum / count;
  const spreadPct = ((max - min) / mean) * 100;
  const w0 = sampleW(t, first);
  const changePct = ((sampleW(t, n - 1) - w0) / w0) * 100;
  if (spreadPct > rule.flatTolerancePct || changePct <= -rule.taperPct) return undefined;
  const sign = changePct >= 0 ? "+" : "";
  return (
    `flat resistive load: ${num(min)}-${num(max)} W (spread ${num(spreadPct)} % <= ${num(rule.flatTolerancePct)} %) ` +
    `at or above ${num(rule.flatMinW)} W for ${num((now - t.highSince) / 1000)} s over ${count} readings, ` +
    `no charging taper (change ${sign}${num(changePct)} %, a taper falls by ${num(rule.taperPct)} % or more)`
  );
}

/** The step signature between the previous reading (NaN: none) and this one. */
export function stepSignature(
  rule: IllegalLoadRuleConfig,
  prevAt: number,
  prevW: number,
  at: number,
  w: number,
): string | undefined {
  if (Number.isNaN(prevAt) || at - prevAt > rule.stepMaxGapS * 1000) return undefined;
  if (w - prevW < rule.stepW || w < rule.stepAboveW) return undefined;
  return (
    `sudden step: ${num(prevW)} W -> ${num(w)} W in ${num((at - prevAt) / 1000)} s ` +
    `(a step of ${num(rule.stepW)} W or more to ${num(rule.stepAboveW)} W or more)`
  );
}

function restore(
  rule: IllegalLoadRuleConfig,
  t: PortTrack,
  deviceId: number,
  port: number,
  out: Action[],
) {
  if (t.tripped) out.push({ type: "clear-alarm", kind: rule.alarm, deviceId, port, rule: rule.id });
  t.tripped = false;
  t.seenOff = false;
  clearSamples(t);
  t.highSince = undefined;
}

/** Forgets the port's samples and gives its ring back. */
export function clearSamples(t: PortTrack): void {
  if (t.ring >= 0) t.pool.release(t.ring);
  t.ring = -1;
  t.head = 0;
  t.count = 0;
}

/** Readings held. */
export function sampleCount(t: PortTrack): number {
  return t.count;
}

/** Time (ms) of reading `i` (0: oldest). */
export function sampleAt(t: PortTrack, i: number): number {
  return t.base + t.pool.time(t.ring, (t.head + i) & RING_MASK);
}

/** Power (W) of reading `i` (0: oldest). */
export function sampleW(t: PortTrack, i: number): number {
  return t.pool.value(t.ring, (t.head + i) & RING_MASK);
}

/** Appends a reading; drops the oldest over MAX_SAMPLES or older than `keepFrom` (keeps the newest). */
export function pushSample(t: PortTrack, at: number, w: number, keepFrom: number): void {
  const ms = Math.round(at);
  if (t.ring < 0) {
    t.ring = t.pool.take();
    t.head = 0;
    t.count = 0;
    t.base = ms;
  }
  if (Math.abs(ms - t.base) > INT32_MAX) rebase(t, ms);
  if (t.count === MAX_SAMPLES) {
    t.head = (t.head + 1) & RING_MASK;
    t.count--;
  }
  t.pool.set(t.ring, (t.head + t.count) & RING_MASK, ms - t.base, clampUint(w, 0xffff));
  t.count++;
  while (t.count > 1 && sampleAt(t, 0) < keepFrom) {
    t.head = (t.head + 1) & RING_MASK;
    t.count--;
  }
}

/**
 * The offsets count from `ms` from now on (a port silent for 25 days: an Int32
 * of ms holds 24.8); samples too old to be expressed go (far older than any window).
 */
function rebase(t: PortTrack, ms: number): void {
  while (t.count > 0 && Math.abs(sampleAt(t, 0) - ms) > INT32_MAX) {
    t.head = (t.head + 1) & RING_MASK;
    t.count--;
  }
  for (let i = 0; i < t.count; i++) {
    const k = (t.head + i) & RING_MASK;
    t.pool.set(t.ring, k, t.base + t.pool.time(t.ring, k) - ms, t.pool.value(t.ring, k));
  }
  t.base = ms;
}

export const illegalLoadRule: RuleModule<IllegalLoadRuleConfig, IllegalLoadState> = {
  accepts: new Set(["charger-telemetry", "charger-event"]),
  init: () => ({ ports: new Map(), pool: samplePool() }),
  onMessage(rule, s, am, device, _now, _ctx, out) {
    if (device.kind !== "charger") return;
    const m = am.msg;
    const id = am.deviceId;
    if (m.type === "charger-event") {
      if (m.event !== CHARGER_EVENT_RESTORED) return;
      s.ports.get(id)?.forEach((t, port) => {
        if (t && (m.port === PORT_ALL || m.port === port)) restore(rule, t, id, port, out);
      });
      return;
    }
    if (m.type !== "charger-telemetry") return;
    const at = am.receivedAt;
    let tracks = s.ports.get(id);
    if (!tracks) {
      tracks = [];
      s.ports.set(id, tracks);
    }
    const own = tracks;
    m.ports.forEach((reading, port) => {
      let t = own[port];
      if (!t) {
        t = newTrack(s.pool, at);
        own[port] = t;
      }
      t.lastAt = at;
      const live =
        reading.relayOn && (reading.state === PORT_CHARGING || reading.state === PORT_IDLE);
      if (!live) {
        clearSamples(t);
        t.highSince = undefined;
        if (t.tripped) t.seenOff = true;
        return;
      }
      if (t.tripped && t.seenOff) restore(rule, t, am.deviceId, port, out);
      if (t.tripped) return;
      const n = sampleCount(t);
      const prevAt = n > 0 ? sampleAt(t, n - 1) : Number.NaN;
      const prevW = n > 0 ? sampleW(t, n - 1) : Number.NaN;
      pushSample(t, at, reading.powerW, at - rule.windowS * 1000);
      if (reading.powerW < rule.flatMinW) t.highSince = undefined;
      else t.highSince ??= at;
      const evidence =
        stepSignature(rule, prevAt, prevW, at, reading.powerW) ?? flatSignature(rule, t, at);
      if (!evidence) return;
      t.tripped = true;
      if (rule.cut) {
        out.push({
          type: "downlink",
          deviceId: am.deviceId,
          msg: { type: "relay", port, on: false, reason: REASON_ILLEGAL_LOAD },
          priority: PRIORITY_ALARM,
          reason: `${rule.id}: ${portLabel(port)} ${evidence}`,
        });
      }
      out.push({
        type: "raise-alarm",
        kind: rule.alarm,
        severity: rule.severity,
        deviceId: am.deviceId,
        port,
        rule: rule.id,
        evidence: `${portLabel(port)}: ${evidence}${rule.cut ? "; port cut" : ""}`,
      });
    });
  },
  prune(_rule, s, ctx, now) {
    for (const [id, tracks] of s.ports) {
      if (!ctx.directory.get(id)) {
        for (const t of tracks) if (t) clearSamples(t);
        s.ports.delete(id);
        continue;
      }
      tracks.forEach((t, port) => {
        if (t && !t.tripped && now - t.lastAt > 3_600_000) {
          clearSamples(t);
          tracks[port] = undefined;
        }
      });
      if (tracks.every((t) => t === undefined)) s.ports.delete(id);
    }
  },
};
