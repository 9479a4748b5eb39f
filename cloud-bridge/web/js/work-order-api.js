/**
 * Work orders and residents' reports over the fleet API (cloud-bridge/README.md,
 * "Work orders"), narrowed into typed values here and nowhere else.
 */
import { arr, num, obj, optNum, optStr, str } from "./narrow.js";
import { HttpError, request } from "./session.js";

/**
 * @typedef {{ at: number, what: string, by: string, note?: string | undefined,
 *   photo?: string | undefined, hasPhoto: boolean, assignee?: string | undefined,
 *   level?: number | undefined, escalatedTo?: string | undefined }} WorkOrderStep
 * @typedef {{ id: string, site: string, source: "alarm" | "report", alarmId?: string | undefined,
 *   alarmKind?: string | undefined, severity: string, title: string, place: string, state: string,
 *   assignee?: string | undefined, createdAt: number, deadlineAt: number, level: number,
 *   overdue: boolean, steps: WorkOrderStep[] }} WorkOrder
 */

/** @param {unknown} raw @returns {WorkOrder} */
export function toWorkOrder(raw) {
  const r = obj(raw);
  const src = obj(r.source);
  return {
    id: str(r.id),
    site: str(r.site),
    source: str(src.kind) === "alarm" ? "alarm" : "report",
    alarmId: optStr(src.alarmId),
    alarmKind: optStr(src.alarmKind),
    severity: str(r.severity, "minor"),
    title: str(r.title),
    place: str(r.place),
    state: str(r.state),
    assignee: optStr(r.assignee),
    createdAt: num(r.createdAt),
    deadlineAt: num(r.deadlineAt),
    level: num(r.level),
    overdue: r.overdue === true,
    steps: arr(r.steps).map((x) => {
      const s = obj(x);
      return {
        at: num(s.at),
        what: str(s.what),
        by: str(s.by),
        note: optStr(s.note),
        photo: optStr(s.photo),
        hasPhoto: s.hasPhoto === true || typeof s.photo === "string",
        assignee: optStr(s.assignee),
        level: optNum(s.level),
        escalatedTo: optStr(s.escalatedTo),
      };
    }),
  };
}

/** @param {string} site */
const ordersPath = (site) => `/api/sites/${encodeURIComponent(site)}/work-orders`;

/** The orders assigned to the signed-in person, across their sites. */
export async function listMyOrders() {
  return arr(obj(await request("/api/work-orders")).orders).map(toWorkOrder);
}

/** @param {string} site */
export async function listSiteOrders(site) {
  return arr(obj(await request(ordersPath(site))).orders).map(toWorkOrder);
}

/** One order with its photos. @param {string} site @param {string} id */
export async function getOrder(site, id) {
  return toWorkOrder(await request(`${ordersPath(site)}/${encodeURIComponent(id)}`));
}

/** Dispatches an alarm to a grid worker. @param {string} site @param {{ alarmId: string, assignee: string, note?: string }} body */
export async function createOrder(site, body) {
  return toWorkOrder(await request(ordersPath(site), { method: "POST", json: body }));
}

/**
 * @param {string} site @param {string} id
 * @param {{ to: string, note?: string, photo?: string, assignee?: string }} body
 */
export async function stepOrder(site, id, body) {
  const path = `${ordersPath(site)}/${encodeURIComponent(id)}/steps`;
  return toWorkOrder(await request(path, { method: "POST", json: body }));
}

/**
 * A resident's report through the site link: no token, the link's key instead.
 * @param {string} site
 * @param {{ key: string, place: string, text: string, photo?: string }} body
 * @returns {Promise<{ id: string }>}
 */
export async function sendReport(site, body) {
  const res = await fetch(`/api/public/sites/${encodeURIComponent(site)}/reports`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
  /** @type {unknown} */
  let parsed;
  try {
    parsed = await res.json();
  } catch {
    parsed = undefined;
  }
  if (!res.ok) throw new HttpError(res.status, str(obj(parsed).error, `HTTP ${res.status}`));
  return { id: str(obj(parsed).id) };
}
