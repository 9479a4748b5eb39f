/**
 * Guardian inactivity: inside a configured daily window (site local time),
 * no door or motion activity for `maxIdleS` raises a welfare alarm; it clears
 * when activity resumes. Escalation when nobody acknowledges is the alarm
 * store's (config `escalation`). The device reports `idleS`, so the last
 * activity is known even when it happened between reports.
 */
import { deviceIdHex } from "../../protocol/uplink.js";
import type { InactivityRuleConfig, InactivityWindowConfig } from "../config/site-config.js";
import type { Action, DeviceRecord } from "../types.js";
import { hours, localClock, type RuleContext, type RuleModule } from "./rule-module.js";
import { inScope } from "./scope.js";

const CHECK_EVERY_MS = 5_000;

interface Resident {
  lastActivityAt: number;
  raised: boolean;
  /** False while lastActivityAt is only the gateway's start (no report yet). */
  reported: boolean;
}

export interface InactivityState {
  residents: Map<number, Resident>;
  lastCheckAt: number;
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  return h * 60 + m;
}

/** Whether local minute-of-day `m` is inside [from, to), windows may cross midnight. */
export function inWindow(w: InactivityWindowConfig, now: number, utcOffsetMin: number): boolean {
  const m = (((Math.floor(now / 60_000) + utcOffsetMin) % 1440) + 1440) % 1440;
  const from = minutesOf(w.from);
  const to = minutesOf(w.to);
  return from < to ? m >= from && m < to : m >= from || m < to;
}

function check(
  rule: InactivityRuleConfig,
  d: DeviceRecord,
  r: Resident,
  now: number,
  ctx: RuleContext,
  out: Action[],
): void {
  if (r.raised) return;
  const idleMs = now - r.lastActivityAt;
  const w = rule.windows.find(
    (x) => inWindow(x, now, ctx.utcOffsetMin) && idleMs >= x.maxIdleS * 1000,
  );
  if (!w) return;
  r.raised = true;
  const where = d.location ? ` (${d.building ? `${d.building}/` : ""}${d.location})` : "";
  out.push({
    type: "raise-alarm",
    kind: rule.alarm,
    severity: rule.severity,
    deviceId: d.deviceId,
    rule: rule.id,
    evidence:
      `no door or motion activity at ${deviceIdHex(d.deviceId)}${where} for ${hours(idleMs)} ` +
      `(limit ${hours(w.maxIdleS * 1000)} in ${w.from}-${w.to}); last activity ${localClock(r.lastActivityAt, ctx.utcOffsetMin)} local time`,
  });
}

export const inactivityRule: RuleModule<InactivityRuleConfig, InactivityState> = {
  accepts: new Set(["guardian-activity"]),
  init: () => ({ residents: new Map(), lastCheckAt: Number.NEGATIVE_INFINITY }),
  onMessage(rule, s, am, device, now, ctx, out) {
    const m = am.msg;
    if (m.type !== "guardian-activity" || device.kind !== "guardian") return;
    const activity = am.receivedAt - m.idleS * 1000;
    let r = s.residents.get(am.deviceId);
    if (!r) {
      r = { lastActivityAt: activity, raised: false, reported: true };
      s.residents.set(am.deviceId, r);
    } else if (!r.reported) {
      // The first report replaces the start-time guess, earlier or later.
      r.reported = true;
      if (!r.raised) r.lastActivityAt = activity;
    }
    if (activity > r.lastActivityAt + 1000) {
      r.lastActivityAt = activity;
      if (r.raised) {
        r.raised = false;
        out.push({ type: "clear-alarm", kind: rule.alarm, deviceId: am.deviceId, rule: rule.id });
      }
    }
    check(rule, device, r, now, ctx, out);
  },
  tick(rule, s, now, ctx, out) {
    if (now - s.lastCheckAt < CHECK_EVERY_MS) return;
    s.lastCheckAt = now;
    for (const d of ctx.directory.list()) {
      if (d.kind !== "guardian" || d.status !== "active" || !inScope(rule, d)) continue;
      let r = s.residents.get(d.deviceId);
      if (!r) {
        // Not heard since start: count from the start, so a silent sensor is not a quiet resident.
        r = { lastActivityAt: ctx.startedAt, raised: false, reported: false };
        s.residents.set(d.deviceId, r);
      }
      check(rule, d, r, now, ctx, out);
    }
  },
  prune(_rule, s, ctx) {
    for (const id of s.residents.keys()) if (!ctx.directory.get(id)) s.residents.delete(id);
  },
};
