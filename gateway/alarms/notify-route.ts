/**
 * Which notification channels hear of an alarm transition, and the text they
 * get. A channel subscribes to transitions (default raised and escalated),
 * filtered by severity and kind; an escalation level also names channels of
 * its own.
 */

import { portLabel } from "../../common/port-label.js";
import type { AlarmTransition } from "../../protocol/uplink.js";
import type { EscalationPolicyConfig, NotificationChannelConfig } from "../config/site-config.js";
import { levelConfig, policyFor } from "./escalation.js";

export function notificationTargets(
  t: AlarmTransition,
  channels: readonly NotificationChannelConfig[],
  policies: readonly EscalationPolicyConfig[],
): NotificationChannelConfig[] {
  const ids = new Set<string>();
  for (const c of channels) {
    if (!c.transitions.includes(t.transition)) continue;
    if (!c.severities.includes(t.severity)) continue;
    if (c.kinds && !c.kinds.includes(t.kind)) continue;
    ids.add(c.id);
  }
  if (t.transition === "escalated") {
    for (const id of levelConfig(policyFor(t, policies), t.level)?.notify ?? []) ids.add(id);
  }
  return channels.filter((c) => ids.has(c.id));
}

export function notificationText(t: AlarmTransition): string {
  const where = [t.deviceId, t.port === undefined ? undefined : portLabel(t.port), t.location]
    .filter((x) => x !== undefined)
    .join(", ");
  const what =
    t.transition === "escalated"
      ? `escalated to level ${t.level}, unacknowledged since ${new Date(t.raisedAt).toISOString()}`
      : t.transition === "acknowledged"
        ? `acknowledged by ${t.acknowledgedBy}${t.comment ? `: ${t.comment}` : ""}`
        : t.transition;
  const evidence = t.evidence ? ` — ${t.evidence}` : "";
  return `[${t.severity}] ${t.kind} at ${where} ${what}${evidence} (${t.alarmId})`;
}
