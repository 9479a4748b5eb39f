/** The fleet API's handlers (cloud-bridge/README.md is their reference). */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Severity } from "../../protocol/uplink.js";
import { CommandTimeout } from "../commands/command-client.js";
import type { Role } from "../config/types.js";
import { type Aggregation, HISTORY_METRICS, type HistoryMetric } from "../history/history-store.js";
import { buildingsOf } from "../live/buildings.js";
import { siteSummaryOf } from "../live/cockpit.js";
import { publicAlarm } from "../live/live-feed.js";
import { SEVERITY_RANK, type ShedView } from "../live/views.js";
import { type Principal, TokenAuth } from "./auth.js";
import { cockpitRoutes } from "./cockpit-routes.js";
import type { ApiContext } from "./context.js";
import { HttpError, numberParam, readJson, sendJson, timeParam } from "./http-util.js";
import { portRoutes } from "./port-restore.js";
import { isoWeekOf, isoWeekRange, weeklyReport } from "./report.js";
import { mayReadResidents, redactResidentAlarm } from "./resident-access.js";
import { workOrderRoutes } from "./work-order-routes.js";

export interface RouteArgs {
  ctx: ApiContext;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  who: Principal;
}

export interface Route {
  method: "GET" | "POST";
  pattern: RegExp;
  role: Role;
  handler(a: RouteArgs): Promise<void> | void;
}

/** HAZARDS.md: the shed total a 40 A supply carries, when the config names no limit. */
export const DEFAULT_SHED_LIMIT_W = 8700;

/** A shed's limit: sites.<site>.sheds.<id>.limitW, then the site's shedLimitW, then 8,700 W. */
export function shedLimitW(config: ApiContext["config"], site: string, shed: string): number {
  const sc = config.sites[site];
  return sc?.sheds?.[shed]?.limitW ?? sc?.limits?.shedLimitW ?? DEFAULT_SHED_LIMIT_W;
}

/** A shed with its configured name and limits: sites.<site>.sheds.<id>, then sites.<site>.limits. */
function shedWithConfig(ctx: ApiContext, site: string, shed: ShedView) {
  const sc = ctx.config.sites[site];
  const cfg = sc?.sheds?.[shed.shed];
  const limits = {
    ...sc?.limits,
    shedLimitW: shedLimitW(ctx.config, site, shed.shed),
  };
  return { ...shed, ...(cfg?.name !== undefined ? { name: cfg.name } : {}), limits };
}

const SITE = "(?<site>[A-Za-z0-9][A-Za-z0-9_.-]*)";
const ID = "(?<id>[^/]+)";

function severityParam(url: URL): Severity | undefined {
  const v = url.searchParams.get("severity");
  if (!v) return undefined;
  if (!(v in SEVERITY_RANK))
    throw new HttpError(400, `severity must be one of ${Object.keys(SEVERITY_RANK).join(", ")}`);
  return v as Severity;
}

function boolParam(url: URL, name: string): boolean | undefined {
  const v = url.searchParams.get(name);
  if (v === null || v === "") return undefined;
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw new HttpError(400, `${name} must be true or false`);
}

export const routes: Route[] = [
  {
    method: "GET",
    pattern: /^\/api\/me$/,
    role: "viewer",
    handler: ({ ctx, res, who }) => {
      const sites = TokenAuth.sitesOf(who, Object.keys(ctx.config.sites));
      const siteNames: Record<string, string> = {};
      for (const site of sites) {
        const name = ctx.config.sites[site]?.name;
        if (name) siteNames[site] = name;
      }
      sendJson(res, 200, { name: who.name, role: who.role, sites, siteNames });
    },
  },
  {
    method: "GET",
    pattern: /^\/api\/sites$/,
    role: "viewer",
    handler: ({ ctx, res, who }) => {
      const now = ctx.now();
      ctx.cockpit.watch(now);
      const sites = TokenAuth.sitesOf(who, Object.keys(ctx.config.sites)).map((site) => {
        const name = ctx.config.sites[site]?.name;
        const summary = siteSummaryOf(ctx.cockpit.row(site, now), ctx.live.unheardCount(site));
        return { ...(name ? { name } : {}), ...summary };
      });
      sendJson(res, 200, { sites });
    },
  },
  {
    method: "GET",
    pattern: new RegExp(`^/api/sites/${SITE}/gateways$`),
    role: "viewer",
    handler: ({ ctx, res, params }) =>
      sendJson(res, 200, { gateways: ctx.live.gateways(params.site!) }),
  },
  {
    method: "GET",
    pattern: new RegExp(`^/api/sites/${SITE}/devices$`),
    role: "viewer",
    // Devices heard, then those installed but not yet heard (`heard: false`, `registeredAt`,
    // no lastSeen): registered at a gateway, which lists them in its health messages.
    handler: ({ ctx, res, params }) =>
      sendJson(res, 200, {
        devices: [
          ...ctx.live.devices(params.site!, ctx.now()),
          ...ctx.live
            .unheardDevices(params.site!)
            .map((d) => ({ ...d, heard: false, online: false })),
        ],
      }),
  },
  {
    // Guardian residents: welfare state and times, and their open welfare/wandering alarms
    // with the escalation timeline (who was told, who answered). Site-scoped like every
    // /api/sites/{site} route (a token of another site gets 403), and only for roles of at
    // least guardian.readRole (api/resident-access.ts).
    method: "GET",
    pattern: new RegExp(`^/api/sites/${SITE}/residents$`),
    role: "viewer",
    handler: ({ ctx, res, params, who }) => {
      if (!mayReadResidents(ctx.config, who)) throw new HttpError(403, "forbidden");
      sendJson(res, 200, {
        residents: ctx.live.residents(params.site!).map((r) => ({
          ...r,
          alarms: r.alarms.map(publicAlarm),
        })),
      });
    },
  },
  {
    // Buildings view: building -> floors -> flats, detectors' states, interlink, residents.
    method: "GET",
    pattern: new RegExp(`^/api/sites/${SITE}/buildings$`),
    role: "viewer",
    handler: ({ ctx, res, params, who }) => {
      const site = params.site!;
      const residents = mayReadResidents(ctx.config, who)
        ? ctx.live.residents(site).map((r) => ({ ...r, alarms: r.alarms.map(publicAlarm) }))
        : [];
      sendJson(res, 200, {
        buildings: buildingsOf(
          ctx.live.devices(site, ctx.now()),
          ctx.live.alarms(site, { active: true }),
          residents,
          ctx.live.unheardDevices(site),
        ),
      });
    },
  },
  {
    // Alarms of every site the token sees, newest first, in one request (the fire banner and
    // the alarm list at district scale: one request instead of one per site).
    method: "GET",
    pattern: /^\/api\/alarms$/,
    role: "viewer",
    handler: ({ ctx, res, url, who }) => {
      const filter: { active?: boolean; minSeverity?: Severity } = {};
      const active = boolParam(url, "active");
      if (active !== undefined) filter.active = active;
      const sev = severityParam(url);
      if (sev) filter.minSeverity = sev;
      const limit = Math.max(0, numberParam(url, "limit", 500)!);
      const alarms = TokenAuth.sitesOf(who, Object.keys(ctx.config.sites))
        .flatMap((site) => ctx.live.alarms(site, filter))
        .sort((a, b) => b.updatedAt - a.updatedAt)
        .slice(0, limit);
      sendJson(res, 200, {
        alarms: mayReadResidents(ctx.config, who) ? alarms : alarms.map(redactResidentAlarm),
      });
    },
  },
  {
    method: "GET",
    pattern: new RegExp(`^/api/sites/${SITE}/alarms$`),
    role: "viewer",
    handler: ({ ctx, res, params, url, who }) => {
      const filter: { active?: boolean; minSeverity?: Severity } = {};
      const active = boolParam(url, "active");
      if (active !== undefined) filter.active = active;
      const sev = severityParam(url);
      if (sev) filter.minSeverity = sev;
      const limit = numberParam(url, "limit", 200)!;
      const alarms = ctx.live.alarms(params.site!, filter).slice(0, Math.max(0, limit));
      sendJson(res, 200, {
        alarms: mayReadResidents(ctx.config, who) ? alarms : alarms.map(redactResidentAlarm),
      });
    },
  },
  {
    method: "GET",
    pattern: new RegExp(`^/api/sites/${SITE}/alarms/${ID}$`),
    role: "viewer",
    handler: ({ ctx, res, params, who }) => {
      const a = ctx.live.alarm(params.site!, decodeURIComponent(params.id!));
      if (!a) throw new HttpError(404, "not found");
      sendJson(res, 200, mayReadResidents(ctx.config, who) ? a : redactResidentAlarm(a));
    },
  },
  {
    method: "POST",
    pattern: new RegExp(`^/api/sites/${SITE}/alarms/${ID}/ack$`),
    role: "operator",
    handler: async ({ ctx, req, res, params, who }) => {
      const site = params.site!;
      const alarmId = decodeURIComponent(params.id!);
      const body = (await readJson(req)) as { comment?: unknown };
      if (body.comment !== undefined && typeof body.comment !== "string")
        throw new HttpError(400, "comment must be a string");
      const comment = typeof body.comment === "string" ? body.comment.slice(0, 2000) : undefined;
      const alarm = ctx.live.alarm(site, alarmId);
      if (!alarm) throw new HttpError(404, "not found");
      const gw = ctx.live.gateway(site, alarm.gateway);
      if (gw && !gw.online) throw new HttpError(503, "gateway offline");
      const key = ctx.config.sites[site]!.commandKey;
      ctx.ackRequested(site, alarmId, who.name, comment);
      try {
        const payload = { alarmId, by: who.name, ...(comment !== undefined ? { comment } : {}) };
        const { request, response } = await ctx.commands.send(
          site,
          alarm.gateway,
          key,
          "ack-alarm",
          payload,
          ctx.config.commands.timeoutMs,
        );
        if (!response.ok) {
          sendJson(res, 409, {
            error: response.error ?? "refused by the gateway",
            transaction: request.transaction,
          });
          return;
        }
        sendJson(res, 200, { ok: true, transaction: request.transaction, response });
      } catch (err) {
        if (err instanceof CommandTimeout) throw new HttpError(504, "gateway did not answer");
        throw err;
      }
    },
  },
  {
    method: "GET",
    pattern: new RegExp(`^/api/sites/${SITE}/sheds$`),
    role: "viewer",
    handler: ({ ctx, res, params }) =>
      sendJson(res, 200, {
        sheds: ctx.live.sheds(params.site!).map((shed) => {
          const { ports, chargers, ...s } = shedWithConfig(ctx, params.site!, shed);
          return { ...s, ports: ports.length, chargers: chargers.map((c) => c.deviceId) };
        }),
      }),
  },
  {
    method: "GET",
    pattern: new RegExp(`^/api/sites/${SITE}/sheds/${ID}$`),
    role: "viewer",
    handler: ({ ctx, res, params }) => {
      const shed = ctx.live.shed(params.site!, decodeURIComponent(params.id!));
      if (!shed) throw new HttpError(404, "not found");
      sendJson(res, 200, shedWithConfig(ctx, params.site!, shed));
    },
  },
  {
    method: "GET",
    pattern: new RegExp(`^/api/sites/${SITE}/history$`),
    role: "viewer",
    handler: async ({ ctx, res, params, url }) => {
      const shedId = url.searchParams.get("shed");
      const device = url.searchParams.get("device");
      if (shedId !== null && device === null) {
        // A whole shed: its chargers summed per instant, then the step's peak.
        const shed = ctx.live.shed(params.site!, shedId);
        if (!shed) throw new HttpError(404, `no shed ${shedId}`);
        const { from, to, stepS } = historyRange(url, ctx.now());
        const devices = shed.chargers.map((c) => c.deviceId);
        const points = await ctx.history.shedTotal({
          site: params.site!,
          devices,
          from,
          to,
          stepS,
        });
        sendJson(res, 200, { series: [{ shed: shed.shed, metric: "power_w", points }] });
        return;
      }
      if (!device || !/^[0-9a-f]{8}$/.test(device))
        throw new HttpError(400, "device (8 hex digits) or shed is required");
      const metric = (url.searchParams.get("metric") ?? "power_w") as HistoryMetric;
      if (!HISTORY_METRICS.includes(metric))
        throw new HttpError(400, `metric must be one of ${HISTORY_METRICS.join(", ")}`);
      const agg = (url.searchParams.get("agg") ?? "avg") as Aggregation;
      if (!["avg", "max", "min", "last"].includes(agg))
        throw new HttpError(400, "agg must be avg, max, min or last");
      const { from, to, stepS } = historyRange(url, ctx.now());
      const port = numberParam(url, "port");
      const q = {
        site: params.site!,
        device,
        metric,
        from,
        to,
        stepS,
        agg,
        ...(port !== undefined ? { port } : {}),
      };
      sendJson(res, 200, { series: await ctx.history.series(q) });
    },
  },
  {
    method: "GET",
    pattern: new RegExp(`^/api/sites/${SITE}/report$`),
    role: "viewer",
    handler: async ({ ctx, res, params, url }) => {
      const site = params.site!;
      const offset = ctx.config.sites[site]?.utcOffsetMinutes ?? 0;
      const now = ctx.now();
      const week = url.searchParams.get("week") || isoWeekOf(now, offset);
      const range = isoWeekRange(week, offset);
      if (!range) throw new HttpError(400, "week must look like 2025-W47");
      if (range.from > now) throw new HttpError(400, "that week has not started");
      const report = await weeklyReport(ctx.history, ctx.live, site, week, range, {
        lowBatteryMv: ctx.config.devices.lowBatteryMv,
        now,
      });
      sendJson(res, 200, report);
    },
  },
  {
    method: "GET",
    pattern: /^\/api\/stream$/,
    role: "viewer",
    handler: ({ ctx, res, url, who }) => {
      const all = TokenAuth.sitesOf(who, Object.keys(ctx.config.sites));
      const wanted = url.searchParams.get("site");
      if (wanted && !all.includes(wanted)) throw new HttpError(403, "forbidden");
      ctx.sse.open(res, wanted ? [wanted] : all, !mayReadResidents(ctx.config, who));
    },
  },
  ...portRoutes,
  ...workOrderRoutes,
  ...cockpitRoutes,
];

/** from, to and step of a history request: the last 6 hours and about 300 points by default. */
function historyRange(url: URL, now: number): { from: number; to: number; stepS: number } {
  const to = timeParam(url, "to", now);
  const from = timeParam(url, "from", to - 6 * 3600_000);
  if (from >= to) throw new HttpError(400, "from must be before to");
  const stepS = numberParam(url, "step") ?? Math.max(1, Math.ceil((to - from) / 1000 / 300));
  if (stepS < 1 || (to - from) / 1000 / stepS > 11_000)
    throw new HttpError(400, "step too small for the range");
  return { from, to, stepS };
}
