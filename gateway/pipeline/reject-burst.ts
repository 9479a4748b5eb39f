/**
 * Security alarms on bursts of rejected frames (HAZARDS: forged or replayed
 * frames are rejected, counted, and alarm on bursts). Per device, rejections
 * (bad MAC, replay) are counted in a fixed window; reaching `threshold` raises
 * one "security" alarm for the device, cleared after `quietS` without a
 * rejection. Pure: time is passed in; state is bounded to `maxDevices`.
 */
import type { Action, DropReason } from "../types.js";

export interface RejectBurstOptions {
  threshold: number;
  windowS: number;
  quietS: number;
  maxDevices?: number;
}

interface DeviceState {
  windowStart: number;
  count: number;
  reasons: Partial<Record<DropReason, number>>;
  raised: boolean;
  lastAt: number;
}

export const RULE_ID = "security-burst";

export class RejectBurst {
  private readonly devices = new Map<number, DeviceState>();

  constructor(private readonly o: RejectBurstOptions) {}

  /** Records a rejection; returns the alarm to raise when this one completes a burst. */
  note(deviceId: number, reason: DropReason, now: number): Action[] {
    let s = this.devices.get(deviceId);
    if (!s || now - s.windowStart > this.o.windowS * 1000) {
      s = { windowStart: now, count: 0, reasons: {}, raised: s?.raised ?? false, lastAt: now };
    }
    this.devices.delete(deviceId);
    this.devices.set(deviceId, s);
    s.count++;
    s.lastAt = now;
    s.reasons[reason] = (s.reasons[reason] ?? 0) + 1;
    this.bound();
    if (s.raised || s.count < this.o.threshold) return [];
    s.raised = true;
    const what = Object.entries(s.reasons)
      .map(([r, n]) => `${n} ${r}`)
      .join(", ");
    return [
      {
        type: "raise-alarm",
        kind: "security",
        severity: "major",
        deviceId,
        rule: RULE_ID,
        evidence: `${what} frames within ${this.o.windowS} s`,
      },
    ];
  }

  /** Clears alarms of devices quiet for `quietS`; forgets quiet devices. */
  tick(now: number): Action[] {
    const out: Action[] = [];
    for (const [id, s] of this.devices) {
      if (now - s.lastAt < this.o.quietS * 1000) continue;
      if (s.raised)
        out.push({ type: "clear-alarm", kind: "security", deviceId: id, rule: RULE_ID });
      this.devices.delete(id);
    }
    return out;
  }

  size(): number {
    return this.devices.size;
  }

  private bound(): void {
    const max = this.o.maxDevices ?? 1024;
    while (this.devices.size > max) {
      const oldest = this.devices.keys().next().value as number;
      this.devices.delete(oldest);
    }
  }
}
