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
import {
  CHARGER_EVENT_RESTORED,
  PORT_ALL,
  PORT_CHARGING,
  PORT_IDLE,
  REASON_ILLEGAL_LOAD,
} from "../../protocol/constants.js";
import type { IllegalLoadRuleConfig } from "../config/site-config.js";
import { type Action, PRIORITY_ALARM } from "../types.js";
import { num, type RuleModule } from "./rule-module.js";

/** Samples kept per port: enough for a 10-minute window at 10 s telemetry. */
export const MAX_SAMPLES = 64;

/**
 * A port's recent readings as one number array of (time, watts) pairs, not an
 * object per reading: 12 ports x 64 readings per charger at 10,000 devices
 * was ~70 bytes per reading (object, two boxed numbers) and one allocation per
 * port per frame (issue 15: gateway RSS); numbers in an array hold 8 bytes
 * each, and one array per port instead of two saves an array and its spare
 * room (~180 bytes a port, 2 MB at 12,000 ports).
 */
export interface PortTrack {
  /** Time (ms) and power (W) of each reading, oldest first: at0, w0, at1, w1, ... */
  samples: number[];
  /** Start of the current run of readings at or above flatMinW (set, never deleted: one shape). */
  highSince: number | undefined;
  /** A signature matched; no new alarm until the port is restored. */
  tripped: boolean;
  seenOff: boolean;
  lastAt: number;
}

export interface IllegalLoadState {
  /** Per charger, its ports' tracks by port index. */
  ports: Map<number, Array<PortTrack | undefined>>;
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

function clearSamples(t: PortTrack): void {
  t.samples.length = 0;
}

/** Readings held. */
export function sampleCount(t: PortTrack): number {
  return t.samples.length >> 1;
}

/** Time (ms) of reading `i` (0: oldest). */
export function sampleAt(t: PortTrack, i: number): number {
  return t.samples[2 * i]!;
}

/** Power (W) of reading `i` (0: oldest). */
export function sampleW(t: PortTrack, i: number): number {
  return t.samples[2 * i + 1]!;
}

/** Appends a reading; drops the oldest over MAX_SAMPLES or older than `keepFrom` (keeps the newest). */
export function pushSample(t: PortTrack, at: number, w: number, keepFrom: number): void {
  t.samples.push(at, w);
  const n = sampleCount(t);
  let drop = Math.max(0, n - MAX_SAMPLES);
  while (drop < n - 1 && sampleAt(t, drop) < keepFrom) drop++;
  if (drop > 0) t.samples.splice(0, 2 * drop);
}

export const illegalLoadRule: RuleModule<IllegalLoadRuleConfig, IllegalLoadState> = {
  accepts: new Set(["charger-telemetry", "charger-event"]),
  init: () => ({ ports: new Map() }),
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
        t = { samples: [], highSince: undefined, tripped: false, seenOff: false, lastAt: at };
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
        s.ports.delete(id);
        continue;
      }
      tracks.forEach((t, port) => {
        if (t && !t.tripped && now - t.lastAt > 3_600_000) tracks[port] = undefined;
      });
      if (tracks.every((t) => t === undefined)) s.ports.delete(id);
    }
  },
};
