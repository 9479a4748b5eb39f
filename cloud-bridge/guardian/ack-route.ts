/**
 * GET/POST /guardian/ack?t=<signed token>: the acknowledgement link of a
 * chain notification. GET shows a one-button page (a link preview must not
 * answer for a person); POST answers: the chain stops, the alarm's timeline
 * notes who answered at which step, and the bridge asks the alarm's gateway
 * to acknowledge it (signed ack-alarm, `by` = who answered), so the alarm is
 * acknowledged everywhere as if the duty desk had done it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApiContext } from "../api/context.js";
import { HttpError, readJson, sendJson } from "../api/http-util.js";
import { CommandTimeout } from "../commands/command-client.js";
import { verifyAck } from "./ack-link.js";

export const ACK_PATH = "/guardian/ack";

export type GatewayAnswer = "acknowledged" | "refused" | "offline" | "timeout";

function page(res: ServerResponse, status: number, body: string) {
  const html = `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Haitang</title></head><body style="font:18px sans-serif;margin:2em">${body}</body></html>`;
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(html),
  });
  res.end(html);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export async function guardianAck(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const secret = ctx.config.guardian.ackSecret;
  const token = url.searchParams.get("t") ?? "";
  const claim = secret ? verifyAck(secret, token) : undefined;
  if (!claim || !ctx.config.sites[claim.site]) throw new HttpError(404, "not found");
  const alarm = ctx.live.alarm(claim.site, claim.alarmId);
  if (!alarm) throw new HttpError(404, "not found");
  const wantsJson = (req.headers.accept ?? "").includes("application/json");
  if (req.method === "GET") {
    const where = escapeHtml(alarm.location ?? alarm.deviceId);
    page(
      res,
      200,
      `<p>${escapeHtml(alarm.kind)} alarm, ${where}</p><form method="post"><button type="submit" style="font-size:1.2em;padding:.6em 1.2em">I am on it / 我来处理</button></form>`,
    );
    return;
  }
  if (req.method !== "POST") throw new HttpError(405, "method not allowed");
  let comment: string | undefined;
  if ((req.headers["content-type"] ?? "").includes("application/json")) {
    const b = (await readJson(req)) as { comment?: unknown };
    if (typeof b.comment === "string") comment = b.comment.slice(0, 2000);
  } else {
    for await (const _ of req) {
      // A form post carries nothing we need.
    }
  }
  if (!alarm.active || alarm.acknowledged) {
    const why = alarm.acknowledged
      ? `already answered by ${alarm.acknowledgedBy ?? "someone"}`
      : "cleared";
    if (wantsJson) sendJson(res, 409, { error: why });
    else page(res, 409, `<p>${escapeHtml(why)}</p>`);
    return;
  }
  const now = ctx.now();
  ctx.guardianAnswer(claim.site, claim.alarmId, claim.who, claim.step, now);
  ctx.noteAlarm(claim.site, claim.alarmId, {
    at: now,
    what: "ack-requested",
    by: claim.who,
    level: claim.step,
    ...(comment !== undefined ? { comment } : {}),
  });
  const gateway = await askGateway(
    ctx,
    alarm.site,
    alarm.gateway,
    alarm.alarmId,
    claim.who,
    comment,
  );
  if (wantsJson) sendJson(res, 200, { ok: true, by: claim.who, step: claim.step, gateway });
  else page(res, 200, "<p>Thank you. 谢谢。</p>");
}

async function askGateway(
  ctx: ApiContext,
  site: string,
  gateway: string,
  alarmId: string,
  by: string,
  comment: string | undefined,
): Promise<GatewayAnswer> {
  const gw = ctx.live.gateway(site, gateway);
  if (gw && !gw.online) return "offline";
  try {
    const { response } = await ctx.commands.send(
      site,
      gateway,
      ctx.config.sites[site]!.commandKey,
      "ack-alarm",
      { alarmId, by, ...(comment !== undefined ? { comment } : {}) },
      ctx.config.commands.timeoutMs,
    );
    return response.ok ? "acknowledged" : "refused";
  } catch (err) {
    if (err instanceof CommandTimeout) return "timeout";
    throw err;
  }
}
