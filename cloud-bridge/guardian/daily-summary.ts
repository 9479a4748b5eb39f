/**
 * The daily "all well" message to a resident's family (opt-in per resident:
 * guardian.residents[].dailySummary), once a day at guardian.dailySummaryAt
 * in the site's local time. States and times only: the resident's state now
 * and since when, the last activity time, and how many welfare / wandering
 * alarms were raised in the last 24 hours. Pure: time is passed in.
 */
import type { ResidentStateName } from "../../protocol/uplink.js";
import type { ResidentView } from "../live/resident-book.js";

/** States in which the family can be told "all well" (nothing open to act on). */
const WELL: ReadonlySet<ResidentStateName> = new Set(["active", "quiet", "back", "away"]);

export interface DailySummary {
  /** The local day summarised, YYYY-MM-DD. */
  day: string;
  deviceId: string;
  location?: string;
  allWell: boolean;
  /** The resident's state now; "unknown" when the cloud has heard nothing of them. */
  state: ResidentStateName;
  since?: number;
  lastActivityAt?: number;
  /** Welfare and wandering alarms raised in the 24 hours before the summary. */
  alarms24h: number;
}

const DAY_MS = 24 * 3600_000;

/** The local calendar day of `now` (YYYY-MM-DD) and the minutes since local midnight. */
export function localDay(now: number, utcOffsetMinutes: number): { day: string; minute: number } {
  const local = new Date(now + utcOffsetMinutes * 60_000);
  return {
    day: local.toISOString().slice(0, 10),
    minute: local.getUTCHours() * 60 + local.getUTCMinutes(),
  };
}

export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  return h * 60 + m;
}

/** The day whose summary is due at `now`, or undefined (too early, or already sent that day). */
export function summaryDue(
  now: number,
  utcOffsetMinutes: number,
  at: string,
  lastSentDay: string | undefined,
): string | undefined {
  const { day, minute } = localDay(now, utcOffsetMinutes);
  if (minute < minutesOf(at) || lastSentDay === day) return undefined;
  return day;
}

export function summarise(
  day: string,
  deviceId: string,
  resident: ResidentView | undefined,
  alarmRaises: readonly number[],
  now: number,
): DailySummary {
  const alarms24h = alarmRaises.filter((t) => t > now - DAY_MS && t <= now).length;
  const state = resident?.state ?? "unknown";
  const s: DailySummary = {
    day,
    deviceId,
    allWell: alarms24h === 0 && WELL.has(state),
    state,
    alarms24h,
  };
  if (resident) {
    s.since = resident.since;
    if (resident.lastActivityAt !== undefined) s.lastActivityAt = resident.lastActivityAt;
    if (resident.location !== undefined) s.location = resident.location;
  }
  return s;
}
