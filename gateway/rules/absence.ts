/**
 * "Device lost": a device silent for `factor` x its heartbeat interval
 * (HAZARDS: detector dead or stolen, <= 2 x heartbeat). Cleared by the next
 * frame. Devices never heard since start count from the registry's lastSeen,
 * else from the gateway's start.
 */
import { deviceIdHex } from "../../protocol/uplink.js";
import type { AbsenceRuleConfig } from "../config/site-config.js";
import { duration, type RuleModule } from "./rule-module.js";
import { inScope } from "./scope.js";

/** Absence is checked at most this often (the tick walks every device). */
const CHECK_EVERY_MS = 5_000;

export interface AbsenceState {
  seen: Map<number, { lastSeenAt: number; lost: boolean }>;
  lastCheckAt: number;
}

export const absenceRule: RuleModule<AbsenceRuleConfig, AbsenceState> = {
  accepts: "all",
  init: () => ({ seen: new Map(), lastCheckAt: Number.NEGATIVE_INFINITY }),
  onMessage(rule, s, am, device, _now, _ctx, out) {
    if (!rule.deviceKinds.includes(device.kind)) return;
    const prev = s.seen.get(am.deviceId);
    // The first frame since start also clears an alarm raised before a restart.
    if (!prev || prev.lost) {
      out.push({ type: "clear-alarm", kind: rule.alarm, deviceId: am.deviceId, rule: rule.id });
    }
    // Updated in place: an object per frame lived until the device's next frame, long enough
    // to reach V8's old generation as garbage (issue 15: gateway memory at 5,000 frames/s).
    if (prev) {
      if (am.receivedAt > prev.lastSeenAt) prev.lastSeenAt = am.receivedAt;
      prev.lost = false;
    } else s.seen.set(am.deviceId, { lastSeenAt: Math.max(0, am.receivedAt), lost: false });
  },
  tick(rule, s, now, ctx, out) {
    if (now - s.lastCheckAt < CHECK_EVERY_MS) return;
    s.lastCheckAt = now;
    for (const d of ctx.directory.list()) {
      if (d.status !== "active" || d.heartbeatS <= 0 || !rule.deviceKinds.includes(d.kind))
        continue;
      if (!inScope(rule, d)) continue;
      let e = s.seen.get(d.deviceId);
      if (e?.lost) continue;
      const last = Math.max(e?.lastSeenAt ?? 0, d.lastSeen ?? ctx.startedAt);
      const limitMs = rule.factor * d.heartbeatS * 1000;
      if (now - last <= limitMs) continue;
      const since = e || d.lastSeen !== undefined ? "last frame" : "gateway start";
      if (!e) {
        e = { lastSeenAt: last, lost: true };
        s.seen.set(d.deviceId, e);
      }
      e.lost = true;
      out.push({
        type: "raise-alarm",
        kind: rule.alarm,
        severity: rule.severity,
        deviceId: d.deviceId,
        rule: rule.id,
        evidence: `${deviceIdHex(d.deviceId)} silent for ${duration(now - last)} since its ${since} (heartbeat ${d.heartbeatS} s, limit ${rule.factor} x = ${duration(limitMs)})`,
      });
    }
  },
  prune(_rule, s, ctx) {
    for (const id of s.seen.keys()) {
      const d = ctx.directory.get(id);
      if (d?.status !== "active") s.seen.delete(id);
    }
  },
};
