/**
 * Guardian welfare (rule kind `welfare`): each guardian sensor's resident runs
 * through the state machine of welfare/resident.ts. Its effects become alarms:
 * a welfare alarm (`alarm`), a wandering alert (`wandering.alarm`, another kind
 * and severity), and sensor faults raised as device faults (`device-lost` for a
 * silent sensor, `low-battery`), never as welfare alarms. The residents' states
 * are read with `residentStates`.
 */
import type { AlarmKind, Severity } from "../../protocol/uplink.js";
import type { WelfareRuleConfig } from "../config/site-config.js";
import type { Action, DeviceRecord } from "../types.js";
import type { RuleContext, RuleModule } from "./rule-module.js";
import { inScope } from "./scope.js";
import {
  evaluate,
  newResident,
  onReport,
  type Resident,
  type WelfareAlarm,
  type WelfareEffect,
  type WelfareEnv,
} from "./welfare/resident.js";

const CHECK_EVERY_MS = 5_000;

export interface WelfareState {
  residents: Map<number, Resident>;
  lastCheckAt: number;
}

function alarmOf(
  rule: WelfareRuleConfig,
  a: WelfareAlarm,
): { kind: AlarmKind; severity: Severity } {
  switch (a) {
    case "welfare":
      return { kind: rule.alarm, severity: rule.severity };
    case "wandering":
      return { kind: rule.wandering.alarm, severity: rule.wandering.severity };
    case "silent":
      return { kind: "device-lost", severity: rule.sensor.silentSeverity };
    case "battery":
      return { kind: "low-battery", severity: rule.sensor.batterySeverity };
  }
}

function envOf(rule: WelfareRuleConfig, d: DeviceRecord, ctx: RuleContext): WelfareEnv {
  const inBuilding =
    d.building && !d.location?.startsWith(`${d.building}/`) ? `${d.building}/` : "";
  const where = d.location ? ` (${inBuilding}${d.location})` : "";
  return { rule, utcOffsetMin: ctx.utcOffsetMin, heartbeatS: d.heartbeatS, where };
}

function toActions(
  rule: WelfareRuleConfig,
  deviceId: number,
  r: Resident,
  effects: WelfareEffect[],
  out: Action[],
): void {
  const last = r.lastActivityAt === undefined ? {} : { lastActivityAt: r.lastActivityAt };
  for (const e of effects) {
    if (e.type === "state") {
      out.push({ type: "resident-state", deviceId, state: e.state, since: e.at, ...last });
      continue;
    }
    const { kind, severity } = alarmOf(rule, e.alarm);
    if (e.type === "raise") {
      out.push({
        type: "raise-alarm",
        kind,
        severity,
        deviceId,
        rule: rule.id,
        evidence: e.evidence,
      });
    } else {
      out.push({ type: "clear-alarm", kind, deviceId, rule: rule.id });
    }
  }
}

export const welfareRule: RuleModule<WelfareRuleConfig, WelfareState> = {
  accepts: "all",
  init: () => ({ residents: new Map(), lastCheckAt: Number.NEGATIVE_INFINITY }),
  onMessage(rule, s, am, device, _now, ctx, out) {
    if (device.kind !== "guardian") return;
    let r = s.residents.get(am.deviceId);
    if (!r) {
      r = newResident(am.receivedAt);
      s.residents.set(am.deviceId, r);
    }
    const m = am.msg;
    const env = envOf(rule, device, ctx);
    if (m.type !== "guardian-activity") {
      // Any frame (a heartbeat status) shows the sensor is alive.
      r.lastHeardAt = Math.max(r.lastHeardAt, am.receivedAt);
      if (r.silent) {
        r.silent = false;
        toActions(rule, am.deviceId, r, [{ type: "clear", alarm: "silent" }], out);
      }
      return;
    }
    const effects = onReport(
      r,
      {
        at: am.receivedAt,
        doorOpens: m.doorOpens,
        motionCount: m.motionCount,
        idleS: m.idleS,
        batteryMv: m.batteryMv,
      },
      env,
    );
    toActions(rule, am.deviceId, r, effects, out);
  },
  tick(rule, s, now, ctx, out) {
    if (now - s.lastCheckAt < CHECK_EVERY_MS) return;
    s.lastCheckAt = now;
    for (const d of ctx.directory.list()) {
      if (d.kind !== "guardian" || d.status !== "active" || !inScope(rule, d)) continue;
      let r = s.residents.get(d.deviceId);
      if (!r) {
        r = newResident(d.lastSeen ?? ctx.startedAt);
        s.residents.set(d.deviceId, r);
      }
      toActions(rule, d.deviceId, r, evaluate(r, now, envOf(rule, d, ctx)), out);
    }
  },
  prune(_rule, s, ctx) {
    for (const id of s.residents.keys()) if (!ctx.directory.get(id)) s.residents.delete(id);
  },
};

/** Each resident's state and since when (for the API and the uplink). */
export function residentStates(
  s: WelfareState,
): Array<{ deviceId: number; state: Resident["state"]; since: number; lastActivityAt?: number }> {
  return [...s.residents].map(([deviceId, r]) => ({
    deviceId,
    state: r.state,
    since: r.stateSince,
    ...(r.lastActivityAt === undefined ? {} : { lastActivityAt: r.lastActivityAt }),
  }));
}
