/** Which webhooks hear about an alarm transition: pure functions of the config. */
import type { AlarmTransitionKind, Severity } from "../../protocol/uplink.js";
import type { EscalationConfig, WebhookConfig } from "../config/types.js";
import { SEVERITY_RANK } from "../live/views.js";

export interface RoutableAlarm {
  site: string;
  severity: Severity;
}

function siteMatches(hook: WebhookConfig, site: string): boolean {
  return hook.sites.includes("*") || hook.sites.includes(site);
}

/** Webhooks for a transition as it happens (escalation-only hooks excluded). */
export function routeTransition(
  alarm: RoutableAlarm,
  transition: AlarmTransitionKind,
  webhooks: WebhookConfig[],
): WebhookConfig[] {
  return webhooks.filter(
    (h) =>
      !h.escalationOnly &&
      siteMatches(h, alarm.site) &&
      h.transitions.includes(transition) &&
      SEVERITY_RANK[alarm.severity] >= SEVERITY_RANK[h.minSeverity],
  );
}

/** Webhooks named by escalation level `level` (1-based) that serve the alarm's site. */
export function escalationTargets(
  alarm: RoutableAlarm,
  level: number,
  policy: EscalationConfig,
  webhooks: WebhookConfig[],
): WebhookConfig[] {
  const names = policy.levels[level - 1]?.webhooks ?? [];
  return webhooks.filter((h) => names.includes(h.name) && siteMatches(h, alarm.site));
}

/** Idempotency key of one notification: the same for every copy of one transition. */
export function notificationKey(
  site: string,
  alarmId: string,
  transition: AlarmTransitionKind,
  level: number,
): string {
  return `${site}/${alarmId}/${transition}/${level}`;
}
