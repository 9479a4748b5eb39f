/**
 * Work orders over the fleet API (cloud-bridge/README.md, "Work orders"): an
 * operator dispatches an alarm to a grid worker; the worker takes the order
 * through its steps from a phone; a resident's report (随手拍) arrives through
 * the site link without a login and waits, open, for an operator to assign it.
 * Every step goes to the work-order file before it is answered, to the alarm's
 * timeline, and live to the site's pages.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Severity } from "../../protocol/uplink.js";
import { allowReport } from "../work-orders/report-limit.js";
import {
  isOpen,
  type StepRequest,
  WORK_ORDER_STATES,
  type WorkOrder,
  type WorkOrderState,
} from "../work-orders/work-order.js";
import { TokenAuth } from "./auth.js";
import type { ApiContext } from "./context.js";
import { HttpError, readJson, sendJson } from "./http-util.js";
import type { Route } from "./routes.js";

const SITE = "(?<site>[A-Za-z0-9][A-Za-z0-9_.-]*)";
const ID = "(?<id>wo-[0-9]+)";
/** A photo as a data: URL; the page shrinks it to about 100 KB before sending. */
const MAX_PHOTO_CHARS = 400_000;
const MAX_BODY_BYTES = 450_000;
const PHOTO = /^data:image\/(jpeg|png|webp);base64,[A-Za-z0-9+/=]+$/;
/** Steps only the assignee (or an operator) takes; assigning and closing need an operator. */
const WORKER_STEPS = new Set<StepRequest["to"]>(["on-the-way", "on-site", "resolved", "note"]);

function text(body: Record<string, unknown>, key: string, max: number, required: boolean) {
  const v = body[key];
  if (v === undefined || v === null || v === "") {
    if (required) throw new HttpError(400, `${key} is required`);
    return undefined;
  }
  if (typeof v !== "string") throw new HttpError(400, `${key} must be a string`);
  const s = v.trim();
  if (required && s === "") throw new HttpError(400, `${key} is required`);
  if (s.length > max) throw new HttpError(400, `${key} is longer than ${max} characters`);
  return s === "" ? undefined : s;
}

function photo(body: Record<string, unknown>): string | undefined {
  const v = body.photo;
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string" || !PHOTO.test(v))
    throw new HttpError(400, "photo must be a data: URL of a JPEG, PNG or WebP image");
  if (v.length > MAX_PHOTO_CHARS)
    throw new HttpError(413, `photo is larger than ${MAX_PHOTO_CHARS} characters`);
  return v;
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const b = await readJson(req, MAX_BODY_BYTES);
  if (!b || typeof b !== "object" || Array.isArray(b))
    throw new HttpError(400, "body must be a JSON object");
  return b as Record<string, unknown>;
}

/**
 * An order as lists show it: photos counted, not sent. Overdue (by the
 * bridge's clock) once it missed a deadline: past the current one, or
 * escalated, until it is resolved.
 */
export function listed(o: WorkOrder, now: number) {
  const { steps, ...rest } = o;
  return {
    ...rest,
    overdue: isOpen(o) && (o.deadlineAt <= now || o.level > 0),
    steps: steps.map(({ photo: p, ...s }) => (p ? { ...s, hasPhoto: true } : s)),
  };
}

/** Puts the step on the alarm's timeline and the order on the site's live stream. */
export function announce(ctx: ApiContext, o: WorkOrder) {
  const step = o.steps[o.steps.length - 1]!;
  if (o.source.kind === "alarm") {
    const target = step.assignee ?? step.escalatedTo;
    ctx.noteAlarm(o.site, o.source.alarmId, {
      at: step.at,
      what: `wo-${step.what}`,
      by: step.by,
      ...(target !== undefined ? { target } : {}),
      ...(step.note !== undefined ? { comment: step.note } : {}),
    });
  }
  ctx.sse.broadcast(o.site, "work-order", listed(o, ctx.now()));
}

/** Escalates every order past its deadline (the bridge's timer; tests call it with their clock). */
export function escalateWorkOrders(
  ctx: ApiContext,
  now: number,
): { escalated: WorkOrder[]; told: Promise<void> } {
  const escalated = ctx.workOrders.escalateDue(now);
  for (const o of escalated) announce(ctx, o);
  // The next level's people hear it by webhook (retried in the background after a first try).
  const told = Promise.all(escalated.map((o) => ctx.tellEscalation(o))).then(() => undefined);
  return { escalated, told };
}

export const workOrderRoutes: Route[] = [
  {
    // Every order assigned to the token's person, across the sites it sees (the worker's phone).
    method: "GET",
    pattern: /^\/api\/work-orders$/,
    role: "viewer",
    handler: ({ ctx, res, who }) => {
      const now = ctx.now();
      const sites = TokenAuth.sitesOf(who, Object.keys(ctx.config.sites));
      const orders = sites.flatMap((s) => ctx.workOrders.list(s, now, { assignee: who.name }));
      sendJson(res, 200, { name: who.name, orders: orders.map((o) => listed(o, now)) });
    },
  },
  {
    method: "GET",
    pattern: new RegExp(`^/api/sites/${SITE}/work-orders$`),
    role: "viewer",
    handler: ({ ctx, res, params }) => {
      const now = ctx.now();
      sendJson(res, 200, {
        orders: ctx.workOrders.list(params.site!, now).map((o) => listed(o, now)),
      });
    },
  },
  {
    method: "GET",
    pattern: new RegExp(`^/api/sites/${SITE}/work-orders/${ID}$`),
    role: "viewer",
    handler: ({ ctx, res, params }) => {
      const o = ctx.workOrders.get(params.site!, params.id!);
      if (!o) throw new HttpError(404, "not found");
      sendJson(res, 200, { ...o, overdue: listed(o, ctx.now()).overdue });
    },
  },
  {
    // Dispatch an alarm: { alarmId, assignee, note? }. One open order per alarm (409 otherwise).
    method: "POST",
    pattern: new RegExp(`^/api/sites/${SITE}/work-orders$`),
    role: "operator",
    handler: async ({ ctx, req, res, params, who }) => {
      const site = params.site!;
      const b = await body(req);
      const alarmId = text(b, "alarmId", 200, true)!;
      const assignee = text(b, "assignee", 64, true)!;
      const note = text(b, "note", 1000, false);
      const alarm = ctx.live.alarm(site, alarmId);
      if (!alarm) throw new HttpError(404, `no alarm ${alarmId}`);
      const existing = ctx.workOrders.forAlarm(site, alarmId);
      if (existing)
        throw new HttpError(409, `alarm ${alarmId} already has work order ${existing.id}`);
      const now = ctx.now();
      const created = ctx.workOrders.create(
        {
          site,
          source: { kind: "alarm", alarmId, alarmKind: alarm.kind },
          severity: alarm.severity,
          title: alarm.kind,
          place: alarm.location ?? alarm.building ?? alarm.deviceId,
          by: who.name,
          assignee,
          ...(note !== undefined ? { note } : {}),
        },
        now,
      );
      // Created, then assigned: both steps on the alarm's timeline.
      for (let i = 1; i <= created.steps.length; i++)
        announce(ctx, { ...created, steps: created.steps.slice(0, i) });
      sendJson(res, 201, listed(created, now));
    },
  },
  {
    // One step: { to: "on-the-way" | "on-site" | "resolved" | "closed" | "assigned" | "note", note?, photo?, assignee? }.
    method: "POST",
    pattern: new RegExp(`^/api/sites/${SITE}/work-orders/${ID}/steps$`),
    role: "viewer",
    handler: async ({ ctx, req, res, params, who }) => {
      const site = params.site!;
      const o = ctx.workOrders.get(site, params.id!);
      if (!o) throw new HttpError(404, "not found");
      const b = await body(req);
      const to = b.to;
      if (
        typeof to !== "string" ||
        !(to === "note" || (WORK_ORDER_STATES as readonly string[]).includes(to))
      )
        throw new HttpError(400, `to must be note or one of ${WORK_ORDER_STATES.join(", ")}`);
      const step = to as WorkOrderState | "note";
      const operator = TokenAuth.hasRole(who, "operator");
      const mine = o.assignee === who.name;
      if (!operator && !(mine && WORKER_STEPS.has(step)))
        throw new HttpError(403, "only the assignee or an operator may take this step");
      const note = text(b, "note", 1000, false);
      const pic = photo(b);
      const assignee = text(b, "assignee", 64, false);
      const r = ctx.workOrders.step(
        site,
        o.id,
        {
          to: step,
          by: who.name,
          ...(note !== undefined ? { note } : {}),
          ...(pic !== undefined ? { photo: pic } : {}),
          ...(assignee !== undefined ? { assignee } : {}),
        },
        ctx.now(),
      );
      if (!r) throw new HttpError(404, "not found");
      if (!r.ok) throw new HttpError(409, r.reason);
      announce(ctx, r.order);
      sendJson(res, 200, listed(r.order, ctx.now()));
    },
  },
];

/**
 * POST /api/public/sites/:site/reports { key, place, text, photo? }: a
 * resident's report through the site link, without a login. The key is the
 * site's `reportKey`; reports are rate-limited per sender address and site.
 * Answers 201 with the order's id; the order waits, open, to be assigned.
 */
export async function publicReport(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  const m = new RegExp(`^/api/public/sites/${SITE}/reports$`).exec(url.pathname);
  if (!m) return false;
  if (req.method !== "POST") throw new HttpError(405, "method not allowed");
  const site = m.groups!.site!;
  const b = await body(req);
  const want = ctx.config.sites[site]?.reportKey;
  // The same answer for an unknown site and a wrong key: the link is the secret.
  if (!want || typeof b.key !== "string" || !TokenAuth.sameSecret(b.key, want))
    throw new HttpError(403, "this report link is not valid");
  const place = text(b, "place", 200, true)!;
  const what = text(b, "text", 1000, true)!;
  const pic = photo(b);
  const now = ctx.now();
  const sender = req.socket.remoteAddress ?? "unknown";
  if (
    !allowReport(ctx.reportLimits, `${site}|${sender}`, now, {
      perHour: ctx.config.workOrders.reportsPerHour,
    })
  ) {
    ctx.metrics
      .counter(
        "haitang_bridge_reports_limited_total",
        "Residents' reports refused by the rate limit",
      )
      .inc({ site });
    res.setHeader("retry-after", "3600");
    throw new HttpError(429, "too many reports from here: try again later");
  }
  const severity: Severity = "minor";
  const order = ctx.workOrders.create(
    {
      site,
      source: { kind: "report", reporter: "resident" },
      severity,
      title: what,
      place,
      by: "resident",
      ...(pic !== undefined ? { photo: pic } : {}),
    },
    now,
  );
  ctx.metrics.counter("haitang_bridge_reports_total", "Residents' reports accepted").inc({ site });
  announce(ctx, order);
  sendJson(res, 201, { id: order.id, deadlineAt: order.deadlineAt });
  return true;
}
