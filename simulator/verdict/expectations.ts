/**
 * Verdicts: each expectation of a scenario checked against the trace. Pure:
 * (scenario, trace records) -> one result per expectation. A verdict that
 * found nothing to look at fails; an expectation never passes vacuously unless
 * it is a "no ..." one.
 */

import { portLabel } from "../../common/port-label.js";
import type { CaseResult } from "../report/junit.js";
import type { TraceRecord } from "../report/trace.js";
import { formatDurationMs, parseDurationMs } from "../scenario/duration.js";
import type { Scenario } from "../scenario/load-scenario.js";
import type { ExpectItem } from "../scenario/types.js";
import { channelLoadVerdict } from "./channel-verdicts.js";
import { eventsDeliveredVerdict } from "./delivery-verdicts.js";
import { otaAllEndedVerdict, otaVerdict } from "./ota-verdicts.js";

type Args = Record<string, unknown>;

interface Ctx {
  sc: Scenario;
  recs: TraceRecord[];
  endMs: number;
}

/**
 * `after: alarm:<kind>` measures from the first such alarm the gateway raised,
 * `alarm:<kind>:<device>` from the first one on that device (HAZARDS.md budgets
 * count from the alarm at the gateway).
 */
export const AFTER_ALARM = /^alarm:([a-z-]+)(?::(.+))?$/;

function from(ctx: Ctx, a: Args): { startMs: number; what: string } {
  const label = a.after as string | undefined;
  if (!label) return { startMs: 0, what: "the start" };
  const m = AFTER_ALARM.exec(label);
  if (m) {
    const first = ctx.recs.find(
      (r) =>
        r.src === "gateway" &&
        r.event === "alarm" &&
        r.transition === "raised" &&
        r.kind === m[1] &&
        (m[2] === undefined || r.device === m[2]),
    );
    const what = `the first ${m[1]} alarm${m[2] ? ` of ${m[2]}` : ""} at the gateway`;
    // No such alarm: nothing can be measured from it, so the verdict looks past the end.
    return { startMs: first ? first.t : ctx.endMs + 1, what };
  }
  return { startMs: ctx.sc.labels.get(label) ?? 0, what: `'${label}'` };
}

function deadline(ctx: Ctx, a: Args, startMs: number): number {
  return a.within === undefined
    ? ctx.endMs
    : startMs + parseDurationMs(a.within as string | number);
}

const at = (ms: number) => formatDurationMs(Math.max(0, Math.round(ms)));

/** Alarm transitions the gateway made (src "gateway") or the cloud received (src "cloud"). */
function alarms(
  ctx: Ctx,
  transition: string,
  a: Args,
  where: "any" | "cloud" = "any",
): TraceRecord[] {
  return ctx.recs.filter(
    (r) =>
      (r.src === "cloud" || (where === "any" && r.src === "gateway")) &&
      r.event === "alarm" &&
      r.transition === transition &&
      r.kind === a.kind &&
      (a.device === undefined || r.device === a.device) &&
      (a.port === undefined || r.port === a.port),
  );
}

function who(a: Args): string {
  return `${String(a.kind ?? "")}${a.device ? ` on ${String(a.device)}` : ""}${typeof a.port === "number" ? ` ${portLabel(a.port)}` : ""}`.trim();
}

/** First record in [start, end] matching; a verdict string either way. */
function within(
  ctx: Ctx,
  a: Args,
  pred: (r: TraceRecord) => boolean,
  what: string,
  timeOf: (r: TraceRecord) => number = (r) => r.t,
): CaseResult {
  const { startMs, what: since } = from(ctx, a);
  const end = deadline(ctx, a, startMs);
  const hits = ctx.recs.filter((r) => pred(r) && timeOf(r) >= startMs);
  const first = hits.map(timeOf).sort((x, y) => x - y)[0];
  const limit = a.within === undefined ? "before the end" : `within ${at(end - startMs)}`;
  if (first === undefined)
    return { name: "", pass: false, detail: `no ${what} after ${since} (wanted ${limit})` };
  if (first > end)
    return {
      name: "",
      pass: false,
      detail: `${what} came ${at(first - startMs)} after ${since}, wanted ${limit}`,
    };
  return { name: "", pass: true, detail: `${what} ${at(first - startMs)} after ${since}` };
}

function none(ctx: Ctx, a: Args, pred: (r: TraceRecord) => boolean, what: string): CaseResult {
  const { startMs, what: since } = from(ctx, a);
  const hits = ctx.recs.filter((r) => pred(r) && r.t >= startMs);
  if (hits.length === 0) return { name: "", pass: true, detail: `no ${what} after ${since}` };
  return {
    name: "",
    pass: false,
    detail: `${hits.length} × ${what}, first at ${at(hits[0]!.t)} (trace t=${hits[0]!.t})`,
  };
}

/** Telemetry the gateway uplinks (guardian activity stays on the gateway: states go up instead). */
const TELEMETRY_TYPES = new Set(["status", "charger-telemetry"]);

function evaluateOne(ctx: Ctx, kind: string, a: Args): CaseResult {
  const dev = a.device as string | undefined;
  switch (kind) {
    case "alarm": {
      const raised = new Set(alarms(ctx, "raised", a));
      return within(
        ctx,
        a,
        (r) => raised.has(r),
        `${who(a)} alarm raised`,
        (r) => r.at as number,
      );
    }
    case "alarm-cleared": {
      const cleared = new Set(alarms(ctx, "cleared", a));
      return within(
        ctx,
        a,
        (r) => cleared.has(r),
        `${who(a)} alarm cleared`,
        (r) => r.at as number,
      );
    }
    case "escalated": {
      const level = a.level as number;
      const up = new Set(alarms(ctx, "escalated", a).filter((r) => (r.level as number) >= level));
      return within(ctx, a, (r) => up.has(r), `${who(a)} alarm escalated to level ${level}`);
    }
    case "not-escalated": {
      const up = new Set(alarms(ctx, "escalated", a));
      return none(ctx, a, (r) => up.has(r), `escalation of ${who(a)} alarm`);
    }
    case "cloud-resident":
      return within(
        ctx,
        a,
        (r) =>
          r.src === "cloud" && r.event === "resident" && r.device === dev && r.state === a.state,
        `${String(a.state)} state of ${String(dev)} in the cloud`,
        (r) => r.at as number,
      );
    case "no-alarm": {
      const raised = new Set(alarms(ctx, "raised", a));
      return none(ctx, a, (r) => raised.has(r), `${who(a)} alarm`);
    }
    case "cloud-alarms": {
      const { startMs, what: since } = from(ctx, a);
      const raised = alarms(ctx, "raised", a, "cloud").filter((r) => (r.at as number) >= startMs);
      const ids = new Set(raised.map((r) => r.alarmId as string));
      const want = a.count as number;
      const detail = `${ids.size} distinct ${who(a)} alarm(s) reached the cloud after ${since} (${raised.length} message(s)), wanted ${want}`;
      return { name: "", pass: ids.size === want, detail };
    }
    case "relay-off":
      return within(
        ctx,
        a,
        (r) =>
          r.src === "device" && r.device === dev && r.event === "relay-off" && r.port === a.port,
        `relay ${String(a.port)} of ${dev} off`,
      );
    case "relay-on": {
      const label = a.at as string | undefined;
      const t = label ? (ctx.sc.labels.get(label) ?? 0) : ctx.endMs;
      const changes = ctx.recs.filter(
        (r) =>
          r.src === "device" &&
          r.device === dev &&
          (r.event === "relay-on" || r.event === "relay-off") &&
          r.port === a.port &&
          r.t <= t,
      );
      const last = changes[changes.length - 1];
      const when = label ? `at '${label}'` : "at the end";
      if (last?.event === "relay-on")
        return { name: "", pass: true, detail: `relay ${String(a.port)} of ${dev} on ${when}` };
      return {
        name: "",
        pass: false,
        detail: `relay ${String(a.port)} of ${dev} ${last ? `off since ${at(last.t)}` : "never switched on"} ${when}`,
      };
    }
    case "cut":
      return within(
        ctx,
        a,
        (r) => isCut(r, dev, a),
        `${String(a.reason)} cut${typeof a.port === "number" ? ` of ${portLabel(a.port)}` : ""} reported by ${dev}`,
      );
    case "no-cut":
      return none(
        ctx,
        a,
        (r) => isCut(r, dev, a),
        `cut${a.reason ? ` (${String(a.reason)})` : ""} by ${dev}`,
      );
    case "sounded":
      return within(
        ctx,
        a,
        (r) => r.src === "device" && r.device === dev && r.event === "sounding",
        `fire sounding on ${dev}`,
      );
    case "not-sounded":
      return none(
        ctx,
        a,
        (r) => r.src === "device" && r.device === dev && r.event === "sounding",
        `fire sounding on ${dev}`,
      );
    case "device-event":
      return within(
        ctx,
        a,
        (r) =>
          r.src === "device" &&
          r.device === dev &&
          r.event === "uplink" &&
          r.name === a.event &&
          r.retransmission !== true,
        `${String(a.event)} sent by ${dev}`,
      );
    case "cloud-telemetry-complete": {
      const { startMs, what: since } = from(ctx, a);
      const delivered = new Set<number>();
      for (const r of ctx.recs)
        if (
          r.src === "link" &&
          r.event === "to-gateway" &&
          r.device === dev &&
          r.intact === true &&
          r.t >= startMs &&
          TELEMETRY_TYPES.has(r.type as string)
        )
          delivered.add(r.counter as number);
      const inCloud = new Set<number>();
      for (const r of ctx.recs)
        if (r.src === "cloud" && r.event === "telemetry" && r.device === dev)
          inCloud.add(r.counter as number);
      const missing = [...delivered].filter((c) => !inCloud.has(c)).sort((x, y) => x - y);
      if (delivered.size === 0)
        return {
          name: "",
          pass: false,
          detail: `${dev} delivered no telemetry to the gateway after ${since}`,
        };
      if (missing.length === 0)
        return {
          name: "",
          pass: true,
          detail: `all ${delivered.size} telemetry frames of ${dev} received by the gateway after ${since} reached the cloud`,
        };
      return {
        name: "",
        pass: false,
        detail: `${missing.length} of ${delivered.size} telemetry frames of ${dev} never reached the cloud (counters ${missing.slice(0, 8).join(", ")}${missing.length > 8 ? ", ..." : ""})`,
      };
    }
    case "gateway-counter": {
      const last = [...ctx.recs]
        .reverse()
        .find((r) => r.src === "gateway" && r.event === "counters");
      const counters = (last?.counters ?? {}) as Record<string, number>;
      const name = a.name as string;
      const v = counters[name];
      if (v === undefined)
        return {
          name: "",
          pass: false,
          detail: `the gateway has no counter '${name}' (has: ${Object.keys(counters).slice(0, 30).join(", ")})`,
        };
      const okLo = a.atLeast === undefined || v >= (a.atLeast as number);
      const okHi = a.atMost === undefined || v <= (a.atMost as number);
      const range = `${a.atLeast !== undefined ? `>= ${String(a.atLeast)}` : ""}${a.atLeast !== undefined && a.atMost !== undefined ? " and " : ""}${a.atMost !== undefined ? `<= ${String(a.atMost)}` : ""}`;
      return {
        name: "",
        pass: okLo && okHi,
        detail: `gateway counter ${name} = ${v}, wanted ${range || "any"}`,
      };
    }
    case "ota":
      return { name: "", ...otaVerdict(ctx.sc, ctx.recs, a) };
    case "events-delivered":
      return { name: "", ...eventsDeliveredVerdict(ctx.sc, ctx.recs, a) };
    case "ota-all-ended":
      return { name: "", ...otaAllEndedVerdict(ctx.recs) };
    case "channel-load":
      return {
        name: "",
        ...channelLoadVerdict(ctx.recs, a as { receiver?: string; under: number }),
      };
    case "cloud-no-raw-activity": {
      // Personal data stays minimal: the device's door/motion reports stay on the gateway.
      const heard = ctx.recs.filter(
        (r) =>
          r.src === "link" &&
          r.event === "to-gateway" &&
          r.device === dev &&
          r.intact === true &&
          r.type === "guardian-activity",
      ).length;
      const leaked = ctx.recs.filter(
        (r) =>
          r.src === "cloud" &&
          r.device === dev &&
          (r.body as { type?: string } | undefined)?.type === "guardian-activity",
      ).length;
      return {
        name: "",
        pass: heard > 0 && leaked === 0,
        detail:
          heard === 0
            ? `${dev} delivered no activity report to the gateway`
            : `${leaked} of the ${heard} activity reports of ${dev} the gateway received reached the cloud`,
      };
    }
    case "cloud-historical": {
      const n = ctx.recs.filter(
        (r) => r.src === "cloud" && r.device === dev && r.historical === true,
      ).length;
      const want = (a.atLeast as number | undefined) ?? 1;
      return {
        name: "",
        pass: n >= want,
        detail: `${n} message(s) of ${dev} reached the cloud marked historical, wanted >= ${want}`,
      };
    }
    default:
      return { name: "", pass: false, detail: `unknown expectation '${kind}'` };
  }
}

function isCut(r: TraceRecord, dev: string | undefined, a: Args): boolean {
  return (
    r.src === "device" &&
    r.device === dev &&
    r.event === "uplink" &&
    r.name === "charger-cut" &&
    r.retransmission !== true &&
    (a.reason === undefined || r.reason === a.reason) &&
    (a.port === undefined || r.port === a.port || r.port === 255)
  );
}

export function caseName(item: ExpectItem): string {
  if (item.name) return item.name;
  const kind = Object.keys(item).find((k) => k !== "name") ?? "?";
  const args = (item as unknown as Record<string, Args>)[kind] ?? {};
  const parts = Object.entries(args).map(([k, v]) => `${k}=${String(v)}`);
  return `${kind} ${parts.join(" ")}`;
}

export function evaluate(sc: Scenario, recs: TraceRecord[], endMs: number): CaseResult[] {
  const ctx: Ctx = { sc, recs, endMs };
  return sc.expect.map((item) => {
    const kind = Object.keys(item).find((k) => k !== "name") ?? "?";
    const args = (item as unknown as Record<string, Args>)[kind] ?? {};
    const r = evaluateOne(ctx, kind, args);
    return { ...r, name: caseName(item) };
  });
}
