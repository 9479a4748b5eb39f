/** GET /api/cockpit (cloud-bridge/README.md, "District cockpit"), narrowed here and nowhere else. */
import { arr, num, obj, optNum, optStr, str } from "./narrow.js";
import { request } from "./session.js";

/** @typedef {{ n: number, p50?: number | undefined, p90?: number | undefined }} Pct */
/**
 * @typedef {{ site: string, name?: string | undefined, fire: number, welfare: number,
 *   active: number, unacknowledged: number, bySeverity: Record<string, number>,
 *   byKind: Array<{ key: string, count: number }>,
 *   top?: { alarmId: string, kind: string, severity: string, raisedAt: number, acknowledged: boolean, where?: string | undefined } | undefined,
 *   sheds: { total: number, near: number, over: number, worst?: { shed: string, totalPowerW: number, limitW: number } | undefined },
 *   gateways: { total: number, offline: number }, devices: { total: number, offline: number, detectors: number },
 *   ack: Pct, clear: Pct, ackPrev: Pct, clearPrev: Pct, ackDaily: Array<number | null>,
 *   ackWeekly: Array<number | null>,
 *   workOrders: { open: number, overdue: number } }} CockpitSite
 */

/** @param {unknown} v @returns {Pct} */
function pct(v) {
  const o = obj(v);
  return { n: num(o.n), p50: optNum(o.p50Ms), p90: optNum(o.p90Ms) };
}

/** @param {unknown} v */
function severities(v) {
  const o = obj(v);
  return {
    critical: num(o.critical),
    major: num(o.major),
    minor: num(o.minor),
    maintenance: num(o.maintenance),
  };
}

/** @param {unknown} v */
function kinds(v) {
  return Object.entries(obj(v))
    .map(([key, count]) => ({ key, count: num(count) }))
    .sort((a, b) => b.count - a.count);
}

/** @param {unknown} raw @returns {CockpitSite} */
function toSite(raw) {
  const r = obj(raw);
  const alarms = obj(r.alarms);
  const top = r.top === undefined ? undefined : obj(r.top);
  const sheds = obj(r.sheds);
  const worst = sheds.worst === undefined ? undefined : obj(sheds.worst);
  const resp = obj(r.response);
  const wo = obj(r.workOrders);
  return {
    site: str(r.site),
    name: optStr(r.name),
    fire: num(r.fire),
    welfare: num(r.welfare),
    active: num(alarms.active),
    unacknowledged: num(alarms.unacknowledged),
    bySeverity: severities(alarms.bySeverity),
    byKind: kinds(alarms.byKind),
    top: top
      ? {
          alarmId: str(top.alarmId),
          kind: str(top.kind),
          severity: str(top.severity),
          raisedAt: num(top.raisedAt),
          acknowledged: top.acknowledged === true,
          where: optStr(top.location) ?? optStr(top.building),
        }
      : undefined,
    sheds: {
      total: num(sheds.total),
      near: num(sheds.near),
      over: num(sheds.over),
      worst: worst
        ? { shed: str(worst.shed), totalPowerW: num(worst.totalPowerW), limitW: num(worst.limitW) }
        : undefined,
    },
    gateways: { total: num(obj(r.gateways).total), offline: num(obj(r.gateways).offline) },
    devices: {
      total: num(obj(r.devices).total),
      offline: num(obj(r.devices).offline),
      detectors: num(obj(r.devices).detectors),
    },
    ack: pct(resp.ack),
    clear: pct(resp.clear),
    ackPrev: pct(resp.ackPrev),
    clearPrev: pct(resp.clearPrev),
    ackDaily: arr(resp.ackDailyP50Ms).map((x) => optNum(x) ?? null),
    ackWeekly: arr(resp.ackWeeklyP50Ms).map((x) => optNum(x) ?? null),
    workOrders: { open: num(wo.open), overdue: num(wo.overdue) },
  };
}

/** @param {number} limit */
export async function getCockpit(limit = 100) {
  const r = obj(await request(`/api/cockpit?limit=${limit}`));
  const t = obj(r.totals);
  return {
    at: num(r.at),
    totals: {
      sites: num(t.sites),
      fireSites: num(t.fireSites),
      welfareSites: num(t.welfareSites),
      active: num(obj(t.alarms).active),
      unacknowledged: num(obj(t.alarms).unacknowledged),
      bySeverity: severities(obj(t.alarms).bySeverity),
      byKind: kinds(t.byKind),
      sheds: {
        near: num(obj(t.sheds).near),
        over: num(obj(t.sheds).over),
        total: num(obj(t.sheds).total),
      },
      gateways: { total: num(obj(t.gateways).total), offline: num(obj(t.gateways).offline) },
      devices: {
        total: num(obj(t.devices).total),
        offline: num(obj(t.devices).offline),
        detectors: num(obj(t.devices).detectors),
      },
      workOrders: { open: num(obj(t.workOrders).open), overdue: num(obj(t.workOrders).overdue) },
    },
    sites: arr(r.sites).map(toSite),
  };
}
