/**
 * HistoryStore on VictoriaMetrics: MetricsQL over /api/v1/query and
 * /api/v1/query_range, raw samples over /api/v1/export. VictoriaMetrics
 * stores each line-protocol field as the series `<measurement>_<field>` with
 * the tags as labels, and keeps millisecond timestamps.
 */
import type {
  AlarmKind,
  AlarmTransitionKind,
  DeviceKindName,
  Severity,
} from "../../protocol/uplink.js";
import type { AlarmView, DeviceView, TimelineEntry } from "../live/views.js";
import {
  type HistoryQuery,
  type HistorySeries,
  type HistoryStore,
  type LabelledValue,
  metricSource,
  SHED_SUM_LOOKBACK_S,
  SHED_SUM_RESOLUTION_S,
  type ShedTotalQuery,
} from "./history-store.js";

/** A field every point of the measurement has, to count points by. */
const COUNT_FIELD: Record<string, string> = {
  alarm: "level",
  charger_event: "power_w",
  smoke_event: "battery_mv",
  guardian_activity: "idle_s",
  uplink: "seq",
  charger_port: "power_w",
  charger_shed: "total_power_w",
  device_status: "battery_mv",
  gateway_status: "online",
  gateway_health: "devices",
};

const NAME = /^[a-z_][a-z0-9_]*$/;

export function promString(v: string): string {
  return `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

function selector(metric: string, labels: Record<string, string | undefined>): string {
  if (!NAME.test(metric)) throw new Error(`bad metric name ${metric}`);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    if (v === undefined) continue;
    if (!NAME.test(k)) throw new Error(`bad label name ${k}`);
    parts.push(`${k}=${promString(v)}`);
  }
  return `${metric}{${parts.join(",")}}`;
}

function byClause(by: string[]): string {
  for (const b of by) if (!NAME.test(b)) throw new Error(`bad label name ${b}`);
  return `by (${by.join(",")})`;
}

interface PromVector {
  metric: Record<string, string>;
  value: [number, string];
}
interface PromMatrix {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}
interface ExportLine {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

export class VictoriaMetricsHistory implements HistoryStore {
  constructor(
    private readonly url: string,
    private readonly timeoutMs = 10_000,
  ) {}

  private async get(path: string, params: Record<string, string>): Promise<Response> {
    const res = await fetch(`${this.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    return res;
  }

  async instant(query: string, atMs: number): Promise<PromVector[]> {
    const res = await this.get("/api/v1/query", { query, time: String(atMs / 1000) });
    const body = (await res.json()) as { data: { result: PromVector[] } };
    return body.data.result;
  }

  async range(query: string, fromMs: number, toMs: number, stepS: number): Promise<PromMatrix[]> {
    const res = await this.get("/api/v1/query_range", {
      query,
      start: String(fromMs / 1000),
      end: String(toMs / 1000),
      step: `${stepS}s`,
    });
    const body = (await res.json()) as { data: { result: PromMatrix[] } };
    return body.data.result;
  }

  async exportSeries(match: string, fromMs: number, toMs: number): Promise<ExportLine[]> {
    const res = await this.get("/api/v1/export", {
      "match[]": match,
      start: String(fromMs / 1000),
      end: String(toMs / 1000),
    });
    const text = await res.text();
    return text
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as ExportLine);
  }

  async series(q: HistoryQuery): Promise<HistorySeries[]> {
    const src = metricSource(q.metric, q.port);
    const sel = selector(`${src.measurement}_${src.field}`, {
      site: q.site,
      device: q.device,
      port: q.port === undefined ? undefined : String(q.port),
    });
    const fn = q.agg === "last" ? "last_over_time" : `${q.agg}_over_time`;
    const group = src.measurement === "charger_port" ? ["device", "port"] : ["device"];
    const query = `max ${byClause(group)} (${fn}(${sel}[${q.stepS}s]))`;
    // VictoriaMetrics aligns start and end down to a multiple of the step; one
    // more step keeps the newest samples (each point covers (t - step, t]).
    const result = await this.range(query, q.from, q.to + q.stepS * 1000, q.stepS);
    return result.map((r) => {
      const s: HistorySeries = {
        device: r.metric.device ?? q.device,
        metric: q.metric,
        points: r.values.map(([t, v]) => [Math.round(t * 1000), Number(v)]),
      };
      if (r.metric.port !== undefined) s.port = Number(r.metric.port);
      return s;
    });
  }

  async shedTotal(q: ShedTotalQuery): Promise<Array<[number, number]>> {
    if (q.devices.length === 0) return [];
    for (const d of q.devices) if (!/^[0-9a-f]{8}$/.test(d)) throw new Error(`bad device ${d}`);
    const sel = `charger_shed_total_power_w{site=${promString(q.site)},device=~"${q.devices.join("|")}"}`;
    // Sum first, per fixed instant, then the step's maximum: adding each charger's own
    // per-step maximum would add overloads that were minutes apart. Each instant takes a
    // charger's highest report of its window, or its last one when it reported none.
    const res = SHED_SUM_RESOLUTION_S;
    const stepS = Math.max(q.stepS, res);
    const perCharger = `max_over_time(${sel}[${res}s]) or last_over_time(${sel}[${SHED_SUM_LOOKBACK_S}s])`;
    const query = `max_over_time((sum(${perCharger}))[${stepS}s:${res}s])`;
    // The newest reports count at the first grid instant at or after them, up to one
    // window after `to`. VictoriaMetrics stamps each point at the end of its step, aligns
    // the range to the step and leaves out a last step whose subquery reaches past the
    // range's end, so the range asks two steps and a window more than that instant and
    // drops the steps that begin after it (they hold nothing newer).
    const lastInstantS = Math.ceil(q.to / 1000 / res) * res;
    const result = await this.range(query, q.from, q.to + (2 * stepS + res) * 1000, stepS);
    return (result[0]?.values ?? [])
      .filter(([t]) => t - stepS < lastInstantS)
      .map(([t, v]) => [Math.round(t * 1000), Number(v)]);
  }

  async count(
    site: string,
    measurement: string,
    where: Record<string, string>,
    by: string[],
    from: number,
    to: number,
  ): Promise<LabelledValue[]> {
    const field = COUNT_FIELD[measurement];
    if (!field) throw new Error(`no count field for ${measurement}`);
    const windowS = Math.max(1, Math.ceil((to - from) / 1000));
    const query = `sum ${byClause(by)} (count_over_time(${selector(`${measurement}_${field}`, { site, ...where })}[${windowS}s]))`;
    const result = await this.instant(query, to);
    return result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  }

  async extreme(
    fn: "min" | "max",
    site: string,
    measurement: string,
    field: string,
    by: string[],
    from: number,
    to: number,
  ): Promise<LabelledValue[]> {
    const windowS = Math.max(1, Math.ceil((to - from) / 1000));
    const query = `${fn} ${byClause(by)} (${fn}_over_time(${selector(`${measurement}_${field}`, { site })}[${windowS}s]))`;
    const result = await this.instant(query, to);
    return result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  }

  async recentDevices(
    lookbackMs: number,
    now: number,
  ): Promise<Array<{ site: string; device: DeviceView }>> {
    const w = `[${Math.ceil(lookbackMs / 1000)}s]`;
    const keyOf = (m: Record<string, string>) => `${m.site}/${m.device}`;
    const last = async (metric: string) => {
      const out = new Map<string, number>();
      for (const r of await this.instant(
        `max by (site,device) (last_over_time(${metric}${w}))`,
        now,
      )) {
        out.set(keyOf(r.metric), Number(r.value[1]));
      }
      return out;
    };
    const seen = await this.instant(
      `max by (site,gateway,device,kind) (tlast_over_time(uplink_seq${w}))`,
      now,
    );
    const [battery, rssi, receivers, fwMajor, fwMinor, fwPatch] = await Promise.all([
      last("uplink_battery_mv"),
      last("uplink_rssi_dbm"),
      last("uplink_receivers"),
      last("device_status_fw_major"),
      last("device_status_fw_minor"),
      last("device_status_fw_patch"),
    ]);
    const latest = new Map<string, { site: string; device: DeviceView }>();
    for (const r of seen) {
      const m = r.metric;
      if (!m.site || !m.device || !m.gateway) continue;
      const k = keyOf(m);
      const view: DeviceView = {
        deviceId: m.device,
        gateway: m.gateway,
        kind: (m.kind ?? "smoke") as DeviceKindName,
        lastSeen: Math.round(Number(r.value[1]) * 1000),
      };
      const b = battery.get(k);
      if (b !== undefined) view.batteryMv = b;
      const s = rssi.get(k);
      if (s !== undefined) view.rssiDbm = s;
      const n = receivers.get(k);
      if (n !== undefined) view.receivers = n;
      const fw = [fwMajor.get(k), fwMinor.get(k), fwPatch.get(k)];
      if (fw.every((x) => x !== undefined)) view.firmware = fw.join(".");
      const prev = latest.get(k);
      if (!prev || prev.device.lastSeen < view.lastSeen)
        latest.set(k, { site: m.site, device: view });
    }
    return [...latest.values()];
  }

  async recentAlarms(lookbackMs: number, now: number): Promise<AlarmView[]> {
    const lines = await this.exportSeries(`{__name__=~"alarm_.*"}`, now - lookbackMs, now);
    // One transition = the samples of one alarm at one timestamp, one per field.
    const transitions = new Map<
      string,
      { labels: Record<string, string>; ts: number; f: Record<string, number> }
    >();
    for (const l of lines) {
      const field = (l.metric.__name__ ?? "").slice("alarm_".length);
      const m = l.metric;
      if (!m.site || !m.alarm_id) continue;
      l.timestamps.forEach((ts, i) => {
        const key = `${m.site}/${m.alarm_id}/${m.transition}/${ts}`;
        let t = transitions.get(key);
        if (!t) {
          t = { labels: m, ts, f: {} };
          transitions.set(key, t);
        }
        t.f[field] = l.values[i]!;
      });
    }
    const sorted = [...transitions.values()].sort(
      (a, b) => a.ts - b.ts || (a.f.seq ?? 0) - (b.f.seq ?? 0),
    );
    const alarms = new Map<string, AlarmView>();
    for (const t of sorted) {
      const m = t.labels;
      const key = `${m.site}/${m.alarm_id}`;
      const prev = alarms.get(key);
      const transition = m.transition as AlarmTransitionKind;
      const entry: TimelineEntry = { at: t.ts, what: transition };
      if (transition === "escalated") entry.level = t.f.level ?? 0;
      const view: AlarmView = {
        site: m.site!,
        gateway: m.gateway ?? "",
        alarmId: m.alarm_id!,
        kind: m.kind as AlarmKind,
        severity: m.severity as Severity,
        deviceId: m.device ?? "",
        rule: m.rule ?? "",
        active: t.f.active === 1,
        acknowledged: t.f.acknowledged === 1,
        raisedAt: t.f.raised_at_ms ?? t.ts,
        level: t.f.level ?? 0,
        lastTransition: transition,
        updatedAt: t.ts,
        historical: t.f.historical === 1,
        seq: t.f.seq ?? 0,
        timeline: [...(prev?.timeline ?? []), entry],
      };
      if (m.port !== undefined && m.port !== "all") view.port = Number(m.port);
      if (t.f.cleared_at_ms !== undefined) view.clearedAt = t.f.cleared_at_ms;
      if (t.f.acknowledged_at_ms !== undefined) view.acknowledgedAt = t.f.acknowledged_at_ms;
      alarms.set(key, view);
    }
    return [...alarms.values()];
  }
}
