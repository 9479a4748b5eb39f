/**
 * A resident's routine, learned from their own activity: the usual wake time
 * (first activity of the day at or after the operator's earliest start; the
 * window opens 30 min after the 75th percentile of the last days' wake-ups) and
 * the longest quiet spell inside the window each day (naps, a long read). The
 * learned window start and idle limit always stay inside the operator's
 * bounds (site YAML `learn`, `minIdleS`, `maxIdleS`). Pure; bounded memory
 * (the last KEEP_DAYS days).
 */
import type { WelfareRuleConfig } from "../../config/site-config.js";
import { localDay, localMinute, minutesOf } from "./local-time.js";

/** Days of history kept (a rolling fortnight). */
export const KEEP_DAYS = 14;
/** Wake time percentile the window opens after (late mornings above it are the idle limit's). */
const WAKE_PERCENTILE = 0.75;
/** Added to that wake time: the window opens after the usual wake-up. */
const WAKE_MARGIN_MIN = 30;
/** The learned limit is the longest usual quiet spell times this, plus QUIET_MARGIN_S. */
const QUIET_FACTOR = 1.2;
const QUIET_MARGIN_S = 1800;

export interface RoutineDay {
  day: number;
  /** Local minute of the first activity at or after `learn.earliestStart`. */
  wakeMin?: number;
  /** Longest quiet spell inside the window between two activities after the wake-up. */
  longestQuietS: number;
  /** The day's first activity was a return from away: no wake time for it. */
  noWake?: boolean;
}

export interface Routine {
  days: RoutineDay[];
}

export interface Limits {
  /** Local minute the window opens (idle counts from here at the latest). */
  startMin: number;
  endMin: number;
  idleLimitS: number;
  learned: boolean;
}

export function newRoutine(): Routine {
  return { days: [] };
}

function today(r: Routine, day: number): RoutineDay {
  let d = r.days[r.days.length - 1];
  if (!d || d.day !== day) {
    d = { day, longestQuietS: 0 };
    r.days.push(d);
    if (r.days.length > KEEP_DAYS + 1) r.days.shift();
  }
  return d;
}

/**
 * Records an activity at `at`; `quietS` is the quiet spell it ended, counted
 * inside the window (0 when the resident was away or outside the window).
 * The spell that ends with the wake-up is the window start's business, not a
 * quiet period; a return from away is no wake-up.
 */
export function observe(
  r: Routine,
  rule: WelfareRuleConfig,
  at: number,
  quietS: number,
  returning: boolean,
  utcOffsetMin: number,
): void {
  limitsCache.delete(r);
  const d = today(r, localDay(at, utcOffsetMin));
  const minute = localMinute(at, utcOffsetMin);
  if (d.wakeMin === undefined && !d.noWake && minute >= minutesOf(rule.learn.earliestStart)) {
    if (returning) d.noWake = true;
    else d.wakeMin = minute;
    return;
  }
  if (!returning && quietS > d.longestQuietS) d.longestQuietS = quietS;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * Limits depend only on completed days, which do not change during a day:
 * computed once per resident, rule and day (the rule checks every resident
 * every few seconds; bench/welfare-rule.ts). observe() drops the entry, since
 * a late report may still change a past day.
 */
const limitsCache = new WeakMap<
  Routine,
  { day: number; rule: WelfareRuleConfig; limits: Limits }
>();

/** The window and idle limit for a resident now (completed days only). */
export function limitsOf(r: Routine, rule: WelfareRuleConfig, nowDay: number): Limits {
  const c = limitsCache.get(r);
  if (c && c.day === nowDay && c.rule === rule) return c.limits;
  const limits = computeLimits(r, rule, nowDay);
  limitsCache.set(r, { day: nowDay, rule, limits });
  return limits;
}

function computeLimits(r: Routine, rule: WelfareRuleConfig, nowDay: number): Limits {
  const endMin = minutesOf(rule.window.to);
  const done = r.days.filter((d) => d.day < nowDay && d.day >= nowDay - KEEP_DAYS);
  if (rule.learn.days === 0) {
    return {
      startMin: minutesOf(rule.window.from),
      endMin,
      idleLimitS: rule.maxIdleS,
      learned: false,
    };
  }
  if (done.length < rule.learn.days) {
    // Routine not known yet: the latest start the operator allows, so a late riser is not an alarm.
    const startMin = Math.max(minutesOf(rule.window.from), minutesOf(rule.learn.latestStart));
    return { startMin, endMin, idleLimitS: rule.maxIdleS, learned: false };
  }
  const wakes = done.flatMap((d) => (d.wakeMin === undefined ? [] : [d.wakeMin]));
  const earliest = minutesOf(rule.learn.earliestStart);
  const latest = minutesOf(rule.learn.latestStart);
  const startMin = wakes.length
    ? clamp(Math.round(percentile(wakes, WAKE_PERCENTILE) + WAKE_MARGIN_MIN), earliest, latest)
    : minutesOf(rule.window.from);
  // The limit covers the longest usual quiet spell and the latest wake-up after the start.
  const latestWakeS = wakes.length ? (Math.max(...wakes) - startMin) * 60 : 0;
  const longest = Math.max(latestWakeS, ...done.map((d) => d.longestQuietS));
  const idleLimitS = clamp(
    Math.round(longest * QUIET_FACTOR + QUIET_MARGIN_S),
    rule.minIdleS,
    rule.maxIdleS,
  );
  return { startMin, endMin, idleLimitS, learned: true };
}
