/**
 * Alarm, report and live-event routes (install password required):
 *   GET  /api/alarms?active=true&device=00a1b2c3   alarms from gw-rules' store
 *   POST /api/alarms/:id/ack {by?, comment?}
 *   GET  /api/events                               server-sent events
 *   GET  /api/reports?device=00a1b2c3              commissioning reports, newest first
 *   POST /api/reports {deviceId?, ...}             save one
 *   GET  /api/downlinks                            downlinks waiting for sleepy devices
 */
import type { HttpBackend } from "./backend.js";
import { BadRequest, Fields, readJson } from "./body.js";
import type { Route } from "./router.js";

export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** More of the answer's body (e.g. which packages were refused and why). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

function deviceQuery(url: URL): number | undefined {
  const d = url.searchParams.get("device");
  return d === null ? undefined : new Fields({ device: d }).deviceId("device");
}

export function siteRoutes(b: HttpBackend): Route[] {
  return [
    {
      method: "GET",
      path: "/api/alarms",
      handle: async (_req, _p, url) => {
        if (!b.alarms) return { alarms: [] };
        const filter: { active?: boolean; deviceId?: number; limit?: number } = {};
        const active = url.searchParams.get("active");
        if (active !== null) filter.active = active !== "false";
        const dev = deviceQuery(url);
        if (dev !== undefined) filter.deviceId = dev;
        const limit = url.searchParams.get("limit");
        if (limit !== null) filter.limit = Math.max(1, Math.min(1000, Number(limit) || 100));
        return { alarms: b.alarms.list(filter) };
      },
    },
    {
      method: "POST",
      path: "/api/alarms/:id/ack",
      handle: async (req, params) => {
        if (!b.alarms) throw new HttpStatusError(503, "the alarm store is not running");
        const f = new Fields(await readJson(req));
        const r = b.alarms.ack(
          params.id!,
          f.optString("by", 100) ?? "installer",
          f.optString("comment", 1000),
          b.clock(),
        );
        if (!r.ok) throw new HttpStatusError(r.status, r.error);
        await b.alarms.durable?.();
        return { alarm: r.alarm };
      },
    },
    {
      method: "GET",
      path: "/api/events",
      handle: async (_req, _p, _url, res) => {
        b.sse.attach(res);
        return undefined;
      },
    },
    {
      method: "GET",
      path: "/api/reports",
      handle: async (_req, _p, url) => {
        const deviceId = deviceQuery(url);
        return { reports: b.reports.list(deviceId === undefined ? {} : { deviceId }) };
      },
    },
    {
      method: "POST",
      path: "/api/reports",
      status: 201,
      handle: async (req) => {
        const body = await readJson(req);
        const f = new Fields(body);
        const raw = f.raw("deviceId") ?? f.raw("id");
        const deviceId =
          raw === undefined ? undefined : new Fields({ deviceId: raw }).deviceId("deviceId");
        if (Object.keys(body).length === 0) throw new BadRequest("report is empty");
        return { report: b.reports.add(body, deviceId, b.clock()) };
      },
    },
    {
      method: "GET",
      path: "/api/downlinks",
      handle: async () => ({ downlinks: b.downlinks.pending() }),
    },
  ];
}
