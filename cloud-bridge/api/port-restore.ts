/**
 * Bringing a cut port back (issue 13): an operator names a shed port and a
 * reason; the bridge finds the charger and its own port, looks up why the
 * port is off (its state and the alarm that cut it), sends the signed
 * set-port command that already exists (cloud-bridge/README.md, "Commands"),
 * and records who, when and why in the audit trail and on the alarm's
 * timeline. The port shows on only when the charger's telemetry says so: the
 * API answers "sent", never "on".
 */
import { portLabel } from "../../common/port-label.js";
import { CommandTimeout } from "../commands/command-client.js";
import type { AlarmView, PortView } from "../live/views.js";
import type { AuditEntry } from "./audit-log.js";
import { HttpError, readJson, sendJson } from "./http-util.js";
import type { Route, RouteArgs } from "./routes.js";

const SITE = "(?<site>[A-Za-z0-9][A-Za-z0-9_.-]*)";
const SHED = "(?<id>[^/]+)";
const MAX_REASON = 500;

/** The newest alarm about this charger port (active first): the reason the port is off. */
export function cutAlarmOf(alarms: AlarmView[], p: PortView): AlarmView | undefined {
  let best: AlarmView | undefined;
  for (const a of alarms) {
    if (a.deviceId !== p.deviceId || a.port !== p.devicePort) continue;
    if (
      !best ||
      (a.active && !best.active) ||
      (a.active === best.active && a.raisedAt > best.raisedAt)
    )
      best = a;
  }
  return best;
}

/** Reads `{ reason }`: required, trimmed, at most 500 characters. */
export function restoreReason(body: unknown): string {
  const reason = (body as { reason?: unknown } | null)?.reason;
  if (typeof reason !== "string" || reason.trim() === "")
    throw new HttpError(400, "reason is required: say why the port may be switched back on");
  if (reason.length > MAX_REASON)
    throw new HttpError(400, `reason must be at most ${MAX_REASON} characters`);
  return reason.trim();
}

async function restore({ ctx, req, res, params, who }: RouteArgs): Promise<void> {
  const site = params.site!;
  const shedId = decodeURIComponent(params.id!);
  const deviceId = params.device!.toLowerCase();
  const devicePort = Number(params.port);
  const reason = restoreReason(await readJson(req));
  const shed = ctx.live.shed(site, shedId);
  if (!shed) throw new HttpError(404, `no shed ${shedId} at ${site}`);
  const p = shed.ports.find((x) => x.deviceId === deviceId && x.devicePort === devicePort);
  const label = portLabel(devicePort);
  if (!p) throw new HttpError(404, `shed ${shedId} has no charger ${deviceId} with a ${label}`);
  if (p.relayOn) throw new HttpError(409, `charger ${deviceId} ${label} is already on`);
  const portNo = p.port + 1;
  const alarm = cutAlarmOf(ctx.live.alarms(site), p);
  const cutReason = alarm?.evidence ?? p.state;
  const gateway = shed.chargers.find((c) => c.deviceId === p.deviceId)?.gateway ?? shed.gateway;
  const base: Omit<AuditEntry, "outcome"> = {
    at: ctx.now(),
    site,
    by: who.name,
    role: who.role,
    action: "port-restore",
    reason,
    shed: shedId,
    port: portNo,
    deviceId: p.deviceId,
    devicePort: p.devicePort,
    cutReason,
    ...(alarm ? { alarmId: alarm.alarmId } : {}),
  };
  const gw = ctx.live.gateway(site, gateway);
  if (gw && !gw.online) {
    ctx.audit.record({ ...base, outcome: "offline" });
    throw new HttpError(503, "gateway offline");
  }
  if (alarm)
    ctx.noteAlarm(site, alarm.alarmId, {
      at: base.at,
      what: "restore-requested",
      by: who.name,
      comment: reason,
    });
  const key = ctx.config.sites[site]!.commandKey;
  try {
    const { request, response } = await ctx.commands.send(
      site,
      gateway,
      key,
      "set-port",
      { deviceId: p.deviceId, port: p.devicePort, on: true },
      ctx.config.commands.timeoutMs,
    );
    if (!response.ok) {
      const error = response.error ?? "refused by the gateway";
      ctx.audit.record({ ...base, outcome: "refused", error, transaction: request.transaction });
      sendJson(res, 409, { error, transaction: request.transaction });
      return;
    }
    const entry: AuditEntry = { ...base, outcome: "sent", transaction: request.transaction };
    ctx.audit.record(entry);
    sendJson(res, 200, { ok: true, audit: entry, response });
  } catch (err) {
    if (err instanceof CommandTimeout) {
      ctx.audit.record({ ...base, outcome: "timeout" });
      throw new HttpError(504, "gateway did not answer");
    }
    throw err;
  }
}

export const portRoutes: Route[] = [
  {
    method: "POST",
    pattern: new RegExp(
      `^/api/sites/${SITE}/sheds/${SHED}/chargers/(?<device>[0-9A-Fa-f]{8})/ports/(?<port>[0-9]{1,3})/restore$`,
    ),
    role: "operator",
    handler: restore,
  },
  {
    method: "GET",
    pattern: new RegExp(`^/api/sites/${SITE}/audit$`),
    role: "viewer",
    handler: ({ ctx, res, params }) =>
      sendJson(res, 200, { entries: ctx.audit.list(params.site!) }),
  },
];
