/**
 * For tests: turns a resident's activity (door openings and motion at given
 * instants) into the guardian sensor's reports, the way the firmware sends
 * them (firmware/devices/guardian-sensor.ts): every `reportIntervalS` the
 * counts since the previous report and the seconds since the last activity,
 * and at once on the first activity after a quiet interval. Not used by the
 * running gateway.
 */
import type { GuardianReport } from "./resident.js";

export interface ActivityAt {
  atMs: number;
  kind: "door" | "motion";
}

export function reportStream(
  events: readonly ActivityAt[],
  fromMs: number,
  toMs: number,
  reportIntervalS = 900,
  batteryMv: (atMs: number) => number = () => 3000,
): GuardianReport[] {
  const out: GuardianReport[] = [];
  const interval = reportIntervalS * 1000;
  let door = 0;
  let motion = 0;
  let last = fromMs;
  let next = fromMs + interval;
  const send = (at: number) => {
    out.push({
      at,
      doorOpens: door,
      motionCount: motion,
      idleS: Math.floor((at - last) / 1000),
      batteryMv: batteryMv(at),
    });
    door = 0;
    motion = 0;
    next = at + interval;
  };
  let i = 0;
  while (true) {
    const e = events[i];
    const eAt = e && e.atMs < toMs ? e.atMs : Number.POSITIVE_INFINITY;
    if (next <= eAt) {
      if (next >= toMs) break;
      send(next);
      continue;
    }
    i++;
    if (e!.atMs < fromMs) {
      last = e!.atMs;
      continue;
    }
    const quiet = e!.atMs - last >= interval;
    if (e!.kind === "door") door++;
    else motion++;
    last = e!.atMs;
    if (quiet) send(e!.atMs);
  }
  return out;
}
