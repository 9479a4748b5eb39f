/**
 * Guardian inactivity (the older, simpler rule; `welfare` supersedes it):
 * inside a configured daily window (site local time), no door or motion
 * activity for `maxIdleS` raises a welfare alarm. Idle time counts only inside
 * the window: the window's start resets it, so the night's sleep before a
 * daytime window is not idle time (issue 16: the old count raised a false
 * alarm every few mornings at the window's start). It clears
 * when activity resumes. Escalation when nobody acknowledges is the alarm
 * store's (config `escalation`). The device reports `idleS`, so the last
 * activity is known even when it happened between reports.
 */
import { deviceIdHex } from "../../protocol/uplink.js";
import type { InactivityRuleConfig, InactivityWindowConfig } from "../config/site-config.js";
import type { Action, DeviceRecord } from "../types.js";
import { duration, localClock, type RuleContext, type RuleModule } from "./rule-module.js";
import { inScope } from "./scope.js";
import { minutesOf, windowStartAt } from "./welfare/local-time.js";

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

/** Idle ms inside the window `w` at `now` (0 outside it): counted from the window's start at the latest. */
function idleInWindowMs(
  w: InactivityWindowConfig,
  lastActivityAt: number,
  now: number,
  utcOffsetMin: number,
): number {
  const start = windowStartAt(minutesOf(w.from), minutesOf(w.to), now, utcOffsetMin);
  return start === undefined ? 0 : now - Math.max(lastActivityAt, start);
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
  let w: InactivityWindowConfig | undefined;
  let idleMs = 0;
  for (const x of rule.windows) {
    idleMs = idleInWindowMs(x, r.lastActivityAt, now, ctx.utcOffsetMin);
    if (idleMs >= x.maxIdleS * 1000) {
      w = x;
      break;
    }
  }
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
      `no door or motion activity at ${deviceIdHex(d.deviceId)}${where} for ${duration(idleMs)} inside the window ` +
      `(limit ${duration(w.maxIdleS * 1000)} in ${w.from}-${w.to}); last activity ${localClock(r.lastActivityAt, ctx.utcOffsetMin)} local time`,
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
