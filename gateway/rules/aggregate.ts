/**
 * A shed's live total power across its chargers' ports (HAZARDS.md "shed
 * total overload": cut within 5 s, also when the shed has several chargers).
 * The total follows session events at once (a charger reports a session start
 * with its power the second it begins, and every cut, refusal and end) and
 * every telemetry reading. Over the limit for `durationS` raises an alarm and
 * cuts the newest session; if the total stays over once that cut is reported,
 * the next newest goes. Cleared when the total is back under the limit by
 * `hysteresisW`.
 *
 * Above the shed's refuse mark the gateway tells every charger of the shed to
 * refuse new sessions (a signed config downlink, CONFIG_REFUSE_SESSIONS_S:
 * refuse for that many seconds, 0 = stop), renewed every half hold while the
 * shed stays above and withdrawn once it is `hysteresisW` below. A charger
 * that stops hearing the gateway stops refusing when the hold runs out and
 * keeps enforcing its own ports and its own share (its shedLimitW) alone.
 */

import { portLabel } from "../../common/port-label.js";
import {
  CHARGER_EVENT_CUT,
  CHARGER_EVENT_REFUSED,
  CHARGER_EVENT_SESSION_END,
  CHARGER_EVENT_SESSION_START,
  CONFIG_REFUSE_SESSIONS_S,
  PORT_ALL,
  REASON_SHED_TOTAL,
} from "../../protocol/constants.js";
import { deviceIdHex } from "../../protocol/uplink.js";
import type { AggregateRuleConfig } from "../config/site-config.js";
import { type Action, PRIORITY_ALARM } from "../types.js";
import { num, type RuleContext, type RuleModule } from "./rule-module.js";

const DEFAULT_LIMIT_W = 8700;
/** Refuse mark below the limit when neither the rule nor the shed names one (8,700 -> 8,000 W). */
const DEFAULT_REFUSE_MARGIN_W = 700;
/** A cut that never shows in telemetry is given up on after this long. */
const CUT_TIMEOUT_MS = 30_000;

/** A port unheard for this many times staleS is forgotten, with its session start. */
const FORGET_STALE_FACTOR = 10;

interface PortLoad {
  deviceId: number;
  port: number;
  powerW: number;
  at: number;
  startedAt?: number;
  /** startedAt comes from the charger's session-start event (telemetry only infers it). */
  startReported?: boolean;
}

interface ShedTrack {
  /** By portKey(device, port). */
  ports: Map<number, PortLoad>;
  overSince?: number;
  active: boolean;
  /** The device the alarm was raised on (cleared on the same one). */
  alarmDevice?: number;
  cutPending?: { key: number; at: number };
  /** The chargers were last told to refuse new sessions (true) or to accept them. */
  refusing: boolean;
  refuseSentAt?: number;
}

export interface AggregateState {
  sheds: Map<string, ShedTrack>;
}

function limitOf(rule: AggregateRuleConfig, shed: string, ctx: RuleContext): number {
  return rule.limitW ?? ctx.sheds.get(shed)?.limitW ?? DEFAULT_LIMIT_W;
}

function refuseMarkOf(rule: AggregateRuleConfig, shed: string, ctx: RuleContext, limit: number) {
  return rule.refuseW ?? ctx.sheds.get(shed)?.refuseW ?? limit - DEFAULT_REFUSE_MARGIN_W;
}

/** Tells every charger of the shed to refuse new sessions (or to accept them again). */
function refusal(
  rule: AggregateRuleConfig,
  shed: string,
  t: ShedTrack,
  total: number,
  now: number,
  ctx: RuleContext,
  out: Action[],
): void {
  const limit = limitOf(rule, shed, ctx);
  const mark = refuseMarkOf(rule, shed, ctx, limit);
  const above = t.refusing ? total > mark - rule.hysteresisW : total > mark;
  const renew = above && now - (t.refuseSentAt ?? 0) >= rule.refuseHoldS * 500;
  if (above === t.refusing && !renew) return;
  t.refusing = above;
  t.refuseSentAt = now;
  const holdS = above ? rule.refuseHoldS : 0;
  const why = `${rule.id}: shed ${shed} total ${num(total)} W ${above ? "over" : "back under"} the ${num(mark)} W refuse mark`;
  for (const d of ctx.directory.list()) {
    if (d.kind !== "charger" || d.shed !== shed || d.status !== "active") continue;
    out.push({
      type: "downlink",
      deviceId: d.deviceId,
      msg: { type: "config", entries: [{ key: CONFIG_REFUSE_SESSIONS_S, value: holdS }] },
      priority: PRIORITY_ALARM,
      reason: why,
    });
  }
}

function evaluate(
  rule: AggregateRuleConfig,
  shed: string,
  t: ShedTrack,
  now: number,
  ctx: RuleContext,
  out: Action[],
): void {
  let total = 0;
  let owner: number | undefined;
  for (const [key, p] of t.ports) {
    // A port not heard for staleS no longer counts in the total, but its session start is kept
    // (a charger whose telemetry was lost for a while is not a new session when it comes back).
    if (forgotten(rule, p, now)) {
      t.ports.delete(key);
      continue;
    }
    if (now - p.at > rule.staleS * 1000) continue;
    total += p.powerW;
    if (owner === undefined || p.deviceId < owner) owner = p.deviceId;
  }
  refusal(rule, shed, t, total, now, ctx, out);
  if (owner === undefined) return;
  const limit = limitOf(rule, shed, ctx);
  if (t.active && total <= limit - rule.hysteresisW) {
    t.active = false;
    delete t.overSince;
    delete t.cutPending;
    out.push({
      type: "clear-alarm",
      kind: rule.alarm,
      deviceId: t.alarmDevice ?? owner,
      rule: rule.id,
    });
    delete t.alarmDevice;
    return;
  }
  if (total <= limit) {
    delete t.overSince;
    return;
  }
  t.overSince ??= now;
  if (now - t.overSince < rule.durationS * 1000) return;
  if (t.cutPending && now - t.cutPending.at < CUT_TIMEOUT_MS) return;
  delete t.cutPending;
  const victim =
    rule.cut === "newest" ? newest(t, rule.idleW, now - rule.staleS * 1000) : undefined;
  const cut = victim
    ? `; cut ${deviceIdHex(victim.deviceId)} ${portLabel(victim.port)} (newest session, ${victim.powerW} W)`
    : "";
  const evidence = `shed ${shed} total ${num(total)} W over the ${num(limit)} W limit for ${num((now - t.overSince) / 1000)} s${cut}`;
  if (!t.active) {
    t.active = true;
    t.alarmDevice = owner;
    out.push({
      type: "raise-alarm",
      kind: rule.alarm,
      severity: rule.severity,
      deviceId: owner,
      rule: rule.id,
      evidence,
    });
  }
  if (victim) {
    t.cutPending = { key: portKey(victim.deviceId, victim.port), at: now };
    out.push({
      type: "downlink",
      deviceId: victim.deviceId,
      msg: { type: "relay", port: victim.port, on: false, reason: REASON_SHED_TOTAL },
      priority: PRIORITY_ALARM,
      reason: `${rule.id}: ${evidence}`,
    });
  }
}

/**
 * A session start counts its power at once; a cut, a refusal or an end takes
 * the port (or every port of the charger, for PORT_ALL) out of the total.
 * Returns whether the total changed.
 */
function sessionEvent(
  t: ShedTrack,
  deviceId: number,
  port: number,
  event: number,
  powerW: number,
  at: number,
): boolean {
  if (event === CHARGER_EVENT_SESSION_START && port !== PORT_ALL) {
    const key = portKey(deviceId, port);
    const known = t.ports.get(key);
    // A retransmitted start (its ack was lost) keeps the session's first start.
    const startedAt = known?.startReported && known.startedAt !== undefined ? known.startedAt : at;
    t.ports.set(key, { deviceId, port, powerW, at, startedAt, startReported: true });
    return true;
  }
  if (
    event !== CHARGER_EVENT_CUT &&
    event !== CHARGER_EVENT_SESSION_END &&
    event !== CHARGER_EVENT_REFUSED
  )
    return false;
  for (const [key, p] of t.ports) {
    if (p.deviceId !== deviceId || (port !== PORT_ALL && p.port !== port)) continue;
    p.powerW = 0;
    p.at = at;
    delete p.startedAt;
    delete p.startReported;
    if (t.cutPending?.key === key) delete t.cutPending;
  }
  return true;
}

/** A port unheard for FORGET_STALE_FACTOR x staleS is dropped, with its session start. */
function forgotten(rule: AggregateRuleConfig, p: PortLoad, now: number): boolean {
  return now - p.at > rule.staleS * 1000 * FORGET_STALE_FACTOR;
}

/**
 * Session starts this close together are the same instant: a charger reports
 * the sessions it found in one reading as a burst of events, one frame after
 * the other on its line, so their arrival order says nothing about which
 * began first.
 */
const SAME_START_MS = 500;

/** The port heard since `freshSince` whose session started last (ties: the higher power). */
function newest(t: ShedTrack, idleW: number, freshSince: number): PortLoad | undefined {
  let best: PortLoad | undefined;
  for (const p of t.ports.values()) {
    if (p.powerW <= idleW || p.at < freshSince) continue;
    const a = p.startedAt ?? 0;
    const b = best?.startedAt ?? 0;
    const tie = Math.abs(a - b) < SAME_START_MS;
    if (!best || (!tie && a > b) || (tie && p.powerW > best.powerW)) best = p;
  }
  return best;
}

/** One number per (charger, port): no string per port per frame. */
function portKey(deviceId: number, port: number): number {
  return deviceId * 256 + port;
}

export const aggregateRule: RuleModule<AggregateRuleConfig, AggregateState> = {
  accepts: new Set(["charger-telemetry", "charger-event"]),
  init: () => ({ sheds: new Map() }),
  onMessage(rule, s, am, device, now, ctx, out) {
    if (device.kind !== "charger") return;
    const shed = device.shed ?? `charger-${deviceIdHex(device.deviceId)}`;
    let t = s.sheds.get(shed);
    if (!t) {
      t = { ports: new Map(), active: false, refusing: false };
      s.sheds.set(shed, t);
    }
    const m = am.msg;
    if (m.type === "charger-event") {
      if (sessionEvent(t, am.deviceId, m.port, m.event, m.powerW, am.receivedAt))
        evaluate(rule, shed, t, now, ctx, out);
      return;
    }
    if (m.type !== "charger-telemetry") return;
    const ports = m.ports;
    for (let i = 0; i < ports.length; i++) {
      const reading = ports[i]!;
      const key = portKey(am.deviceId, i);
      let p = t.ports.get(key);
      if (!p) {
        p = { deviceId: am.deviceId, port: i, powerW: 0, at: am.receivedAt };
        t.ports.set(key, p);
      }
      // A session starts when the port rises above idle, and ends when it falls back.
      if (reading.powerW > rule.idleW) {
        if (!(p.powerW > rule.idleW && p.startedAt !== undefined)) p.startedAt = am.receivedAt;
      } else {
        delete p.startedAt;
        delete p.startReported;
      }
      p.powerW = reading.powerW;
      p.at = am.receivedAt;
      if (t.cutPending?.key === key && reading.powerW <= rule.idleW) delete t.cutPending;
    }
    evaluate(rule, shed, t, now, ctx, out);
  },
  tick(rule, s, now, ctx, out) {
    for (const [shed, t] of s.sheds) {
      if (t.overSince !== undefined || t.active || t.refusing)
        evaluate(rule, shed, t, now, ctx, out);
      if (t.ports.size === 0 && !t.active && !t.refusing) s.sheds.delete(shed);
    }
  },
  // The cut is due when the total has been over the limit for durationS (or a
  // cut went unanswered): the service runs the tick at that instant, not at the
  // next 1 s tick (HAZARDS.md: shed total cut within 5 s).
  dueAt(rule, s) {
    let due: number | undefined;
    for (const t of s.sheds.values()) {
      if (t.overSince === undefined) continue;
      let at = t.overSince + rule.durationS * 1000;
      if (t.cutPending) at = Math.max(at, t.cutPending.at + CUT_TIMEOUT_MS);
      if (due === undefined || at < due) due = at;
    }
    return due;
  },
  prune(rule, s, ctx, now) {
    for (const [shed, t] of s.sheds) {
      for (const [key, p] of t.ports) {
        if (forgotten(rule, p, now) || !ctx.directory.get(p.deviceId)) t.ports.delete(key);
      }
      if (t.ports.size === 0 && !t.active && !t.refusing) s.sheds.delete(shed);
    }
  },
};
