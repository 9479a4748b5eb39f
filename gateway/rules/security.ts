/**
 * Bursts of rejected frames from one device id (bad MAC, replays): each frame
 * is already dropped and counted by the pipeline; `count` of them within
 * `windowS` raise a security alarm (HAZARDS: forged or replayed frames —
 * rejects, counts, alarms on bursts). Cleared after `quietS` without one.
 */
import { deviceIdHex } from "../../protocol/uplink.js";
import type { SecurityRuleConfig } from "../config/site-config.js";
import type { DropReason } from "../types.js";
import { num, type RuleModule } from "./rule-module.js";

interface Burst {
  /** Recent rejections, oldest first, at most `count`. */
  recent: Array<{ at: number; reason: DropReason }>;
  raised: boolean;
  lastAt: number;
}

export interface SecurityState {
  devices: Map<number, Burst>;
}

export const securityRule: RuleModule<SecurityRuleConfig, SecurityState> = {
  accepts: new Set(),
  init: () => ({ devices: new Map() }),
  onMessage() {},
  onRejected(rule, s, deviceId, reason, now, _ctx, out) {
    if (!(rule.reasons as readonly string[]).includes(reason)) return;
    let b = s.devices.get(deviceId);
    if (!b) {
      b = { recent: [], raised: false, lastAt: now };
      s.devices.set(deviceId, b);
    }
    b.lastAt = now;
    b.recent.push({ at: now, reason });
    const from = now - rule.windowS * 1000;
    while (b.recent.length > rule.count || (b.recent.length > 0 && b.recent[0]!.at < from)) {
      b.recent.shift();
    }
    if (b.raised || b.recent.length < rule.count) return;
    b.raised = true;
    const by = new Map<string, number>();
    for (const r of b.recent) by.set(r.reason, (by.get(r.reason) ?? 0) + 1);
    const detail = [...by].map(([r, n]) => `${r} ${n}`).join(", ");
    out.push({
      type: "raise-alarm",
      kind: rule.alarm,
      severity: rule.severity,
      deviceId,
      rule: rule.id,
      evidence: `${rule.count} frames claiming to be ${deviceIdHex(deviceId)} rejected within ${num((now - b.recent[0]!.at) / 1000)} s (${detail})`,
    });
  },
  tick(rule, s, now, _ctx, out) {
    for (const [id, b] of s.devices) {
      if (now - b.lastAt < rule.quietS * 1000) continue;
      if (b.raised)
        out.push({ type: "clear-alarm", kind: rule.alarm, deviceId: id, rule: rule.id });
      s.devices.delete(id);
    }
  },
};
