/**
 * One resident's welfare, as a pure state machine of (resident, report, now)
 * and (resident, now). States a person understands:
 *
 *   active     activity in the last ACTIVE_S
 *   quiet      no activity for a while, normal for now (or outside the window)
 *   overdue    idle for `overdueRatio` of the limit inside the window, or away
 *              for `away.overdueS`: gentle, somebody should call the resident
 *   alarm      idle for the limit inside the window: welfare alarm (act)
 *   away       the door opened and no activity since (`away.confirmS`)
 *   back       activity after being away, for BACK_S
 *   wandering  the door opened at night and no activity within `night.returnS`
 *   sensor-fault  the sensor is silent (`silentFactor` x heartbeat) or its
 *              battery is low: raised as a device fault, welfare alarms are
 *              suspended (a quiet sensor is never a quiet resident)
 *   unknown    nothing reported yet
 *
 * Idle time counts only inside the day window, and the window's start resets
 * it: the night's sleep is never idle time. The window's start and the idle
 * limit come from the resident's learned routine (routine.ts), inside the
 * operator's bounds.
 */
import type { ResidentStateName } from "../../../protocol/uplink.js";
import type { WelfareRuleConfig } from "../../config/site-config.js";
import { duration, localClock } from "../rule-module.js";
import { clockOf, localDay, minutesOf, windowStartAt } from "./local-time.js";
import { limitsOf, newRoutine, observe, type Routine } from "./routine.js";

export const ACTIVE_S = 1800;
export const BACK_S = 1800;
/** Battery hysteresis: a low battery clears this much above the threshold. */
const BATTERY_HYSTERESIS_MV = 100;

export type WelfareStateName = ResidentStateName;

export type WelfareAlarm = "welfare" | "wandering" | "silent" | "battery";

export type WelfareEffect =
  | { type: "raise"; alarm: WelfareAlarm; evidence: string }
  | { type: "clear"; alarm: WelfareAlarm }
  | { type: "state"; state: WelfareStateName; previous: WelfareStateName; at: number };

export interface GuardianReport {
  at: number;
  doorOpens: number;
  motionCount: number;
  idleS: number;
  batteryMv: number;
}

export interface Resident {
  lastActivityAt?: number;
  lastHeardAt: number;
  /** The latest activity included a door opening: a departure until activity says otherwise. */
  doorLast: boolean;
  /** That door opening was at night. */
  nightDoor: boolean;
  away: boolean;
  backAt?: number;
  batteryLow: boolean;
  silent: boolean;
  welfare: boolean;
  wandering: boolean;
  state: WelfareStateName;
  stateSince: number;
  routine: Routine;
}

export interface WelfareEnv {
  rule: WelfareRuleConfig;
  utcOffsetMin: number;
  heartbeatS: number;
  /** Where the resident lives, for evidence ("b1/301"); may be empty. */
  where: string;
}

export function newResident(heardAt: number): Resident {
  return {
    lastHeardAt: heardAt,
    doorLast: false,
    nightDoor: false,
    away: false,
    batteryLow: false,
    silent: false,
    welfare: false,
    wandering: false,
    state: "unknown",
    stateSince: heardAt,
    routine: newRoutine(),
  };
}

function inNight(rule: WelfareRuleConfig, at: number, off: number): boolean {
  return windowStartAt(minutesOf(rule.night.from), minutesOf(rule.night.to), at, off) !== undefined;
}

/** The quiet spell from `prev` to `at`, counted inside the window that holds `at`. */
function quietInWindowS(r: Resident, env: WelfareEnv, prev: number, at: number): number {
  const off = env.utcOffsetMin;
  const l = limitsOf(r.routine, env.rule, localDay(at, off));
  const ws = windowStartAt(l.startMin, l.endMin, at, off);
  return ws === undefined ? 0 : Math.max(0, at - Math.max(prev, ws)) / 1000;
}

/** A guardian activity report (door openings, motion, seconds since the last activity). */
export function onReport(r: Resident, rep: GuardianReport, env: WelfareEnv): WelfareEffect[] {
  const out: WelfareEffect[] = [];
  r.lastHeardAt = Math.max(r.lastHeardAt, rep.at);
  if (r.silent) {
    r.silent = false;
    out.push({ type: "clear", alarm: "silent" });
  }
  const low = env.rule.sensor.lowBatteryMv;
  if (rep.batteryMv > 0 && !r.batteryLow && rep.batteryMv < low) {
    r.batteryLow = true;
    out.push({
      type: "raise",
      alarm: "battery",
      evidence: `guardian sensor${env.where} battery ${rep.batteryMv} mV, below ${low} mV: replace it; welfare alarms are suspended until then`,
    });
  } else if (r.batteryLow && rep.batteryMv >= low + BATTERY_HYSTERESIS_MV) {
    r.batteryLow = false;
    out.push({ type: "clear", alarm: "battery" });
  }
  const activity = rep.at - rep.idleS * 1000;
  const prev = r.lastActivityAt;
  // New activity only when the report counts some: the time computed from idleS
  // jitters with link latency, and a sensor's restart resets its idle count.
  const counted = rep.doorOpens + rep.motionCount > 0;
  if (prev === undefined || (counted && activity > prev)) {
    const quietS = prev === undefined || r.doorLast ? 0 : quietInWindowS(r, env, prev, activity);
    observe(r.routine, env.rule, activity, quietS, r.away, env.utcOffsetMin);
    if (r.away) {
      // Activity after being away: back (the door that brought them in is the return).
      r.away = false;
      r.backAt = activity;
      r.doorLast = false;
    } else {
      r.doorLast = rep.doorOpens > 0;
    }
    r.nightDoor = r.doorLast && inNight(env.rule, activity, env.utcOffsetMin);
    r.lastActivityAt = activity;
    if (r.welfare) {
      r.welfare = false;
      out.push({ type: "clear", alarm: "welfare" });
    }
    if (r.wandering) {
      r.wandering = false;
      out.push({ type: "clear", alarm: "wandering" });
    }
  }
  out.push(...evaluate(r, rep.at, env));
  return out;
}

/** Time passing: silence, away, wandering, idle inside the window. */
export function evaluate(r: Resident, now: number, env: WelfareEnv): WelfareEffect[] {
  const out: WelfareEffect[] = [];
  const { rule } = env;
  const silentMs = rule.sensor.silentFactor * env.heartbeatS * 1000;
  if (!r.silent && env.heartbeatS > 0 && now - r.lastHeardAt > silentMs) {
    r.silent = true;
    out.push({
      type: "raise",
      alarm: "silent",
      evidence: `guardian sensor${env.where} silent for ${duration(now - r.lastHeardAt)} (limit ${rule.sensor.silentFactor} x heartbeat ${env.heartbeatS} s): a device fault; welfare alarms are suspended until it reports`,
    });
  }
  const state = nextState(r, now, env, out);
  if (state !== r.state) {
    out.push({ type: "state", state, previous: r.state, at: now });
    r.state = state;
    r.stateSince = now;
  }
  return out;
}

function nextState(
  r: Resident,
  now: number,
  env: WelfareEnv,
  out: WelfareEffect[],
): WelfareStateName {
  const { rule, utcOffsetMin: off } = env;
  const last = r.lastActivityAt;
  if (r.silent || r.batteryLow) return "sensor-fault";
  if (last === undefined) return "unknown";
  if (r.wandering) return "wandering";
  if (r.welfare) return "alarm";
  const sinceMs = now - last;
  if (r.doorLast && sinceMs >= rule.away.confirmS * 1000) {
    r.away = true;
    if (r.nightDoor && sinceMs >= rule.night.returnS * 1000) {
      r.wandering = true;
      out.push({
        type: "raise",
        alarm: "wandering",
        evidence: `door${env.where} opened at ${localClock(last, off)} at night (${rule.night.from}-${rule.night.to}) and no activity for ${Math.round(sinceMs / 60_000)} min since (limit ${Math.round(rule.night.returnS / 60)} min)`,
      });
      return "wandering";
    }
    return sinceMs >= rule.away.overdueS * 1000 ? "overdue" : "away";
  }
  const l = limitsOf(r.routine, rule, localDay(now, off));
  const ws = windowStartAt(l.startMin, l.endMin, now, off);
  const idleMs = ws === undefined ? 0 : now - Math.max(last, ws);
  if (idleMs >= l.idleLimitS * 1000) {
    r.welfare = true;
    const basis = l.learned ? "learned routine" : "operator default";
    out.push({
      type: "raise",
      alarm: "welfare",
      evidence: `no door or motion activity${env.where} for ${duration(idleMs)} inside the day window ${clockOf(l.startMin)}-${clockOf(l.endMin)} (limit ${duration(l.idleLimitS * 1000)}, ${basis}); last activity ${localClock(last, off)} local time`,
    });
    return "alarm";
  }
  if (idleMs >= rule.overdueRatio * l.idleLimitS * 1000) return "overdue";
  if (r.backAt !== undefined && now - r.backAt < BACK_S * 1000) return "back";
  return sinceMs < ACTIVE_S * 1000 ? "active" : "quiet";
}
