/**
 * Weekly report data for one site: overloads, cuts by reason, illegal-load
 * incidents, fire alarms, devices offline and low batteries, from the
 * time-series database (and the live state for what is offline now).
 */
import type { HistoryStore } from "../history/history-store.js";
import type { LiveState } from "../live/live-state.js";
import { type ReportPort, reportPorts } from "./report-ports.js";

const DAY_MS = 86_400_000;

/** ISO 8601 week ("2025-W47") of a time, in a zone `offsetMin` east of UTC. */
export function isoWeekOf(ms: number, offsetMin = 0): string {
  const d = new Date(ms + offsetMin * 60_000);
  const day = d.getUTCDay() || 7;
  // The Thursday of this week decides the year.
  const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 4 - day);
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / DAY_MS / 7) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** [from, to) of an ISO week in milliseconds, or undefined when `week` is not one. */
export function isoWeekRange(
  week: string,
  offsetMin = 0,
): { from: number; to: number } | undefined {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) return undefined;
  const year = Number(m[1]);
  const w = Number(m[2]);
  if (w < 1 || w > 53) return undefined;
  const jan4 = Date.UTC(year, 0, 4);
  const jan4Day = new Date(jan4).getUTCDay() || 7;
  const monday1 = jan4 - (jan4Day - 1) * DAY_MS;
  const from = monday1 + (w - 1) * 7 * DAY_MS - offsetMin * 60_000;
  if (isoWeekOf(from, offsetMin) !== week) return undefined;
  return { from, to: from + 7 * DAY_MS };
}

export interface WeeklyReport {
  site: string;
  week: string;
  from: number;
  to: number;
  overloads: { port: number; shed: number };
  cutsByReason: Record<string, number>;
  illegalLoadIncidents: number;
  fireAlarms: number;
  alarmsByKind: Record<string, number>;
  devicesOffline: Array<{ deviceId: string; lastSeen?: number; lostAlarms: number }>;
  lowBatteries: Array<{ deviceId: string; batteryMv?: number; lowBatteryAlarms: number }>;
  /** Ports cut or overloaded this week, named as people read them (report-ports.ts). */
  ports: ReportPort[];
}

export async function weeklyReport(
  history: HistoryStore,
  live: LiveState,
  site: string,
  week: string,
  range: { from: number; to: number },
  opts: { lowBatteryMv: number; now: number },
): Promise<WeeklyReport> {
  const { from } = range;
  // A week still running ends now.
  const to = Math.min(range.to, opts.now);
  const [raised, cuts, minBattery, peaks] = await Promise.all([
    history.count(site, "alarm", { transition: "raised" }, ["kind", "device", "port"], from, to),
    history.count(site, "charger_event", { event: "cut" }, ["reason", "device", "port"], from, to),
    history.extreme("min", site, "uplink", "battery_mv", ["device"], from, to),
    history.extreme("max", site, "charger_port", "power_w", ["device", "port"], from, to),
  ]);
  const alarmsByKind: Record<string, number> = {};
  const lost = new Map<string, number>();
  const lowAlarms = new Map<string, number>();
  for (const r of raised) {
    const kind = r.labels.kind ?? "unknown";
    alarmsByKind[kind] = (alarmsByKind[kind] ?? 0) + r.value;
    const dev = r.labels.device;
    if (!dev) continue;
    if (kind === "device-lost") lost.set(dev, (lost.get(dev) ?? 0) + r.value);
    if (kind === "low-battery" || kind === "end-of-life")
      lowAlarms.set(dev, (lowAlarms.get(dev) ?? 0) + r.value);
  }
  const cutsByReason: Record<string, number> = {};
  for (const c of cuts)
    cutsByReason[c.labels.reason ?? "unknown"] =
      (cutsByReason[c.labels.reason ?? "unknown"] ?? 0) + c.value;

  const devices = live.devices(site, opts.now);
  const byId = new Map(devices.map((d) => [d.deviceId, d]));
  for (const d of devices) if (!d.online && !lost.has(d.deviceId)) lost.set(d.deviceId, 0);
  const devicesOffline = [...lost.entries()]
    .map(([deviceId, lostAlarms]) => {
      const e: WeeklyReport["devicesOffline"][number] = { deviceId, lostAlarms };
      const seen = byId.get(deviceId)?.lastSeen;
      if (seen !== undefined) e.lastSeen = seen;
      return e;
    })
    .sort((a, b) => a.deviceId.localeCompare(b.deviceId));

  const minBy = new Map<string, number>();
  // Only devices with a battery: a reading of 0 mV means the device has none (mains-powered
  // chargers, guardians without a battery reading), never a flat battery that still transmits.
  for (const m of minBattery)
    if (m.labels.device && m.value > 0) minBy.set(m.labels.device, m.value);
  const low = new Set<string>(lowAlarms.keys());
  for (const [dev, mv] of minBy) if (mv < opts.lowBatteryMv) low.add(dev);
  const lowBatteries = [...low]
    .map((deviceId) => {
      const e: WeeklyReport["lowBatteries"][number] = {
        deviceId,
        lowBatteryAlarms: lowAlarms.get(deviceId) ?? 0,
      };
      const mv = minBy.get(deviceId);
      if (mv !== undefined) e.batteryMv = mv;
      return e;
    })
    .sort((a, b) => a.deviceId.localeCompare(b.deviceId));

  return {
    site,
    week,
    from,
    to: range.to,
    overloads: {
      port: alarmsByKind["port-overload"] ?? 0,
      shed: alarmsByKind["shed-overload"] ?? 0,
    },
    cutsByReason,
    illegalLoadIncidents: alarmsByKind["illegal-load"] ?? 0,
    fireAlarms: alarmsByKind.fire ?? 0,
    alarmsByKind,
    devicesOffline,
    lowBatteries,
    ports: reportPorts(
      cuts,
      raised.filter((r) => r.labels.kind === "port-overload"),
      peaks,
      live.sheds(site),
    ),
  };
}
