/**
 * Escalation of unacknowledged alarms: re-notify the targets of level n once
 * the alarm has stayed active and unacknowledged `levels[n-1].afterS` since it
 * was raised. Only the instance that stored the raise escalates it (it learns
 * of acknowledgements through its live subscription), so instances do not
 * repeat each other.
 */
import type { Severity } from "../../protocol/uplink.js";
import type { EscalationConfig } from "../config/types.js";
import { SEVERITY_RANK } from "../live/views.js";

export interface EscalatableAlarm {
  active: boolean;
  acknowledged: boolean;
  severity: Severity;
  raisedAt: number;
}

/**
 * The escalation level to notify now (1-based), or 0. When several levels are
 * due at once (an alarm delivered late from a gateway's backlog) only the
 * highest is notified.
 */
export function dueEscalationLevel(
  alarm: EscalatableAlarm,
  policy: EscalationConfig,
  sentLevel: number,
  now: number,
): number {
  if (!alarm.active || alarm.acknowledged) return 0;
  if (SEVERITY_RANK[alarm.severity] < SEVERITY_RANK[policy.minSeverity]) return 0;
  let due = 0;
  policy.levels.forEach((l, i) => {
    if (now - alarm.raisedAt >= l.afterS * 1000) due = i + 1;
  });
  return due > sentLevel ? due : 0;
}

/** True when no further level can become due (the alarm can be forgotten). */
export function escalationFinished(
  alarm: EscalatableAlarm,
  policy: EscalationConfig,
  sentLevel: number,
): boolean {
  return !alarm.active || alarm.acknowledged || sentLevel >= policy.levels.length;
}
