/**
 * The weekly report's ports: every charger port that was cut or raised an
 * overload alarm in the week, with its highest reported power, named as
 * people read it (common/port-label.ts: "shed-a charger 2 port 1"). Indexes
 * from 0 (`port`) stay beside the name for machines.
 */
import { placeText } from "../../common/place.js";
import { portNumbers, portNumbersText } from "../../common/port-label.js";
import type { LabelledValue } from "../history/history-store.js";
import type { ShedView } from "../live/views.js";

export interface ReportPort {
  deviceId: string;
  /** The charger's port index from 0 (wire, database, API). */
  port: number;
  shed?: string;
  /** The charger's position in its shed from 1, when the shed has several chargers. */
  chargerNo?: number;
  /** The port as labelled on the charger, from 1. */
  portNo: number;
  /** The port as people read it: "shed-a charger 2 port 1". */
  where: string;
  cuts: number;
  overloadAlarms: number;
  /** Highest power the charger reported for the port in the week (W), when it reported any. */
  peakW?: number;
}

/**
 * @param cuts charger_event cut counts by device and port
 * @param overloads port-overload alarm raises by device and port
 * @param peaks highest charger_port power_w by device and port
 * @param sheds the site's sheds now (a charger's shed and position)
 */
export function reportPorts(
  cuts: LabelledValue[],
  overloads: LabelledValue[],
  peaks: LabelledValue[],
  sheds: ShedView[],
): ReportPort[] {
  const rows = new Map<string, ReportPort>();
  const shedOf = new Map<string, ShedView>();
  for (const s of sheds) for (const c of s.chargers) shedOf.set(c.deviceId, s);
  const row = (labels: Record<string, string>): ReportPort | undefined => {
    const deviceId = labels.device;
    const port = Number(labels.port);
    // Shed-wide events (port "all") and alarms about no port have no row.
    if (!deviceId || !/^\d+$/.test(labels.port ?? "")) return undefined;
    const key = `${deviceId}/${port}`;
    let r = rows.get(key);
    if (!r) {
      const shed = shedOf.get(deviceId);
      const n = portNumbers(
        port,
        deviceId,
        shed?.chargers.map((c) => c.deviceId),
      );
      const name = portNumbersText(n);
      const place = placeText({ building: shed?.building, shed: shed?.shed }, " ");
      r = {
        deviceId,
        port,
        portNo: n.port,
        where: place ? `${place} ${name}` : `${deviceId} ${name}`,
        cuts: 0,
        overloadAlarms: 0,
      };
      if (shed) r.shed = shed.shed;
      if (n.charger !== undefined) r.chargerNo = n.charger;
      rows.set(key, r);
    }
    return r;
  };
  for (const c of cuts) {
    const r = row(c.labels);
    if (r) r.cuts += c.value;
  }
  for (const o of overloads) {
    const r = row(o.labels);
    if (r) r.overloadAlarms += o.value;
  }
  for (const p of peaks) {
    const r = rows.get(`${p.labels.device}/${p.labels.port}`);
    if (r) r.peakW = p.value;
  }
  return [...rows.values()].sort(
    (a, b) =>
      (a.shed ?? a.deviceId).localeCompare(b.shed ?? b.deviceId) ||
      a.deviceId.localeCompare(b.deviceId) ||
      a.port - b.port,
  );
}
