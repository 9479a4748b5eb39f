/**
 * Escalation policy, pure: which policy an alarm falls under (first match by
 * kind and severity) and which level it should have reached by `now`. Only an
 * active, unacknowledged alarm escalates.
 */
import type { AlarmKind, Severity } from "../../protocol/uplink.js";
import type { EscalationLevelConfig, EscalationPolicyConfig } from "../config/site-config.js";

export interface Escalatable {
  kind: AlarmKind;
  severity: Severity;
  active: boolean;
  acknowledged: boolean;
  raisedAt: number;
  level: number;
}

export function policyFor(
  a: Pick<Escalatable, "kind" | "severity">,
  policies: readonly EscalationPolicyConfig[],
): EscalationPolicyConfig | undefined {
  return policies.find(
    (p) =>
      (!p.kinds || p.kinds.includes(a.kind)) &&
      (!p.severities || p.severities.includes(a.severity)),
  );
}

/** The level `a` should be at by `now` (0 = not escalated). */
export function dueLevel(
  a: Escalatable,
  policy: EscalationPolicyConfig | undefined,
  now: number,
): number {
  if (!policy || !a.active || a.acknowledged) return a.level;
  let level = 0;
  policy.levels.forEach((l, i) => {
    if (now - a.raisedAt >= l.afterS * 1000) level = i + 1;
  });
  return Math.max(level, a.level);
}

export function levelConfig(
  policy: EscalationPolicyConfig | undefined,
  level: number,
): EscalationLevelConfig | undefined {
  return level > 0 ? policy?.levels[level - 1] : undefined;
}
