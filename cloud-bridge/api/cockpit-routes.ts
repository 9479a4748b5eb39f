/**
 * GET /api/cockpit: the district cockpit over every site the token sees
 * (cloud-bridge/README.md, "District cockpit"). Totals over all of them, and
 * the rows most urgent first (fire sites first), `limit` at a time from
 * `offset`. Rows come from the Cockpit's per-site cache.
 */
import type { Severity } from "../../protocol/uplink.js";
import type { CockpitRow } from "../live/cockpit.js";
import { TokenAuth } from "./auth.js";
import { numberParam, sendJson } from "./http-util.js";
import type { Route } from "./routes.js";

export interface CockpitTotals {
  sites: number;
  fireSites: number;
  welfareSites: number;
  alarms: { active: number; unacknowledged: number; bySeverity: Record<Severity, number> };
  byKind: Record<string, number>;
  sheds: { total: number; near: number; over: number };
  gateways: { total: number; offline: number };
  devices: { total: number; offline: number; detectors: number };
  workOrders: { open: number; overdue: number };
}

export function totalsOf(
  rows: CockpitRow[],
  orders: Map<string, { open: number; overdue: number }>,
): CockpitTotals {
  const t: CockpitTotals = {
    sites: rows.length,
    fireSites: 0,
    welfareSites: 0,
    alarms: {
      active: 0,
      unacknowledged: 0,
      bySeverity: { critical: 0, major: 0, minor: 0, maintenance: 0 },
    },
    byKind: {},
    sheds: { total: 0, near: 0, over: 0 },
    gateways: { total: 0, offline: 0 },
    devices: { total: 0, offline: 0, detectors: 0 },
    workOrders: { open: 0, overdue: 0 },
  };
  for (const r of rows) {
    if (r.fire > 0) t.fireSites++;
    if (r.welfare > 0) t.welfareSites++;
    t.alarms.active += r.alarms.active;
    t.alarms.unacknowledged += r.alarms.unacknowledged;
    for (const k of Object.keys(r.alarms.bySeverity) as Severity[])
      t.alarms.bySeverity[k] += r.alarms.bySeverity[k];
    for (const [k, n] of Object.entries(r.alarms.byKind)) t.byKind[k] = (t.byKind[k] ?? 0) + n;
    t.sheds.total += r.sheds.total;
    t.sheds.near += r.sheds.near;
    t.sheds.over += r.sheds.over;
    t.gateways.total += r.gateways.total;
    t.gateways.offline += r.gateways.offline;
    t.devices.total += r.devices.total;
    t.devices.offline += r.devices.offline;
    t.devices.detectors += r.devices.detectors;
    const o = orders.get(r.site);
    if (o) {
      t.workOrders.open += o.open;
      t.workOrders.overdue += o.overdue;
    }
  }
  return t;
}

/**
 * How old a row may be when its site's alarms are unchanged (loads and offline counts only;
 * the bridge refreshes rows every second while the cockpit is watched).
 */
export const COCKPIT_STALE_MS = 15_000;

export const cockpitRoutes: Route[] = [
  {
    method: "GET",
    pattern: /^\/api\/cockpit$/,
    role: "viewer",
    handler: ({ ctx, res, url, who }) => {
      const now = ctx.now();
      const sites = TokenAuth.sitesOf(who, Object.keys(ctx.config.sites));
      const rows = ctx.cockpit.answerRows(sites, now, COCKPIT_STALE_MS);
      const orders = ctx.workOrders.openCounts(now);
      const offset = Math.max(0, numberParam(url, "offset", 0)!);
      const limit = Math.max(0, Math.min(1000, numberParam(url, "limit", 100)!));
      sendJson(res, 200, {
        at: now,
        totals: totalsOf(rows, orders),
        offset,
        sites: rows.slice(offset, offset + limit).map((r) => {
          const name = ctx.config.sites[r.site]?.name;
          return {
            ...r,
            ...(name ? { name } : {}),
            workOrders: orders.get(r.site) ?? { open: 0, overdue: 0 },
          };
        }),
      });
    },
  },
];
