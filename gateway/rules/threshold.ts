/**
 * Threshold with duration and hysteresis, per device (and per port for port
 * metrics): raised when the value stays beyond the limit for `durationS`,
 * cleared once it is back past the limit by `hysteresis`. A plausibility
 * check ignores readings outside [min, max] and a jump faster than
 * `maxStepPerS` unless the next reading confirms it (HAZARDS: a real product
 * disabled its 65 °C cut after false trips).
 */

import { portLabel } from "../../common/port-label.js";
import { PORT_ALL } from "../../protocol/constants.js";
import type { ThresholdMetric, ThresholdRuleConfig } from "../config/site-config.js";
import { type AcceptedMessage, PRIORITY_ALARM } from "../types.js";
import { cutReasonFor } from "./events.js";
import { num, type RuleModule } from "./rule-module.js";

interface Reading {
  v: number;
  at: number;
}

interface Track {
  active: boolean;
  since?: number;
  last?: Reading;
  pending?: Reading;
}

export interface ThresholdState {
  tracks: Map<string, Track>;
  implausible: number;
}

const LABEL: Record<ThresholdMetric, [string, string]> = {
  "shed-temp-c": ["shed temperature", "°C"],
  "port-power-w": ["port power", "W"],
  "battery-mv": ["battery", "mV"],
  "smoke-level": ["smoke level", "/100 %/m"],
};

/** The metric's readings in a message: [port or undefined, value]. */
export function readings(
  metric: ThresholdMetric,
  am: AcceptedMessage,
): Array<[number | undefined, number]> {
  const m = am.msg;
  switch (metric) {
    case "shed-temp-c":
      return m.type === "charger-telemetry" ? [[undefined, m.tempDeciC / 10]] : [];
    case "port-power-w":
      return m.type === "charger-telemetry" ? m.ports.map((p, i) => [i, p.powerW]) : [];
    case "battery-mv":
      if (m.type === "status" || m.type === "smoke-event" || m.type === "guardian-activity") {
        return m.batteryMv > 0 ? [[undefined, m.batteryMv]] : [];
      }
      return [];
    case "smoke-level":
      return m.type === "smoke-event" ? [[undefined, m.smokeLevel]] : [];
  }
}

function plausible(rule: ThresholdRuleConfig, t: Track, r: Reading): boolean {
  const p = rule.plausible;
  if (!p) return true;
  if ((p.min !== undefined && r.v < p.min) || (p.max !== undefined && r.v > p.max)) return false;
  if (p.maxStepPerS === undefined || !t.last) return true;
  const fits = (a: Reading) =>
    Math.abs(r.v - a.v) <= p.maxStepPerS! * Math.max(1, (r.at - a.at) / 1000);
  if (fits(t.last)) return true;
  // A jump: accept it only when a second reading agrees with it.
  if (t.pending && fits(t.pending)) return true;
  t.pending = r;
  return false;
}

export const thresholdRule: RuleModule<ThresholdRuleConfig, ThresholdState> = {
  accepts: new Set(["charger-telemetry", "status", "smoke-event", "guardian-activity"]),
  init: () => ({ tracks: new Map(), implausible: 0 }),
  onMessage(rule, s, am, device, _now, _ctx, out) {
    const [label, unit] = LABEL[rule.metric];
    for (const [port, v] of readings(rule.metric, am)) {
      if (port !== undefined && rule.ports && !rule.ports.includes(port)) continue;
      const key = port === undefined ? `${am.deviceId}` : `${am.deviceId}:${port}`;
      let t = s.tracks.get(key);
      if (!t) {
        t = { active: false };
        s.tracks.set(key, t);
      }
      const r = { v, at: am.receivedAt };
      if (!plausible(rule, t, r)) {
        s.implausible++;
        continue;
      }
      t.last = r;
      delete t.pending;
      const over =
        (rule.above !== undefined && v > rule.above) ||
        (rule.below !== undefined && v < rule.below);
      const back =
        (rule.above === undefined || v <= rule.above - rule.hysteresis) &&
        (rule.below === undefined || v >= rule.below + rule.hysteresis);
      const at = port === undefined ? {} : { port };
      if (!t.active) {
        if (!over) {
          delete t.since;
          continue;
        }
        t.since ??= r.at;
        if (r.at - t.since < rule.durationS * 1000) continue;
        t.active = true;
        const limit =
          rule.above !== undefined && v > rule.above
            ? `above ${num(rule.above)} ${unit} (clears at ${num(rule.above - rule.hysteresis)})`
            : `below ${num(rule.below ?? 0)} ${unit} (clears at ${num((rule.below ?? 0) + rule.hysteresis)})`;
        const where = port === undefined ? "" : ` on ${portLabel(port)}`;
        out.push({
          type: "raise-alarm",
          kind: rule.alarm,
          severity: rule.severity,
          deviceId: am.deviceId,
          ...at,
          rule: rule.id,
          evidence: `${label}${where} ${num(v)} ${unit} ${limit} for ${num((r.at - t.since) / 1000)} s`,
        });
        if (rule.cut !== "none" && device.kind === "charger") {
          const cutPort = rule.cut === "all" || port === undefined ? PORT_ALL : port;
          out.push({
            type: "downlink",
            deviceId: am.deviceId,
            msg: { type: "relay", port: cutPort, on: false, reason: cutReasonFor(rule.alarm) },
            priority: PRIORITY_ALARM,
            reason: `${rule.id}: ${label} ${num(v)} ${unit}`,
          });
        }
      } else if (back) {
        t.active = false;
        delete t.since;
        out.push({
          type: "clear-alarm",
          kind: rule.alarm,
          deviceId: am.deviceId,
          ...at,
          rule: rule.id,
        });
      }
    }
  },
  prune(_rule, s, ctx) {
    for (const key of s.tracks.keys()) {
      const id = Number(key.split(":")[0]);
      if (!ctx.directory.get(id)) s.tracks.delete(key);
    }
  },
};
