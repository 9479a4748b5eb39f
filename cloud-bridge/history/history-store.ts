/**
 * Reading back from the time-series database: chart history, weekly report
 * counts, and the caches rebuilt at start. An adapter interface, because
 * InfluxDB answers Flux while VictoriaMetrics answers PromQL/MetricsQL and
 * raw exports; history/victoria-metrics.ts implements it. Names of
 * measurements, fields and tags are those of SCHEMA.md.
 */
import type { AlarmView, DeviceView } from "../live/views.js";

export type HistoryMetric =
  | "power_w"
  | "energy_wh"
  | "temp_c"
  | "battery_mv"
  | "rssi_dbm"
  | "smoke_pct_per_m";
export const HISTORY_METRICS: HistoryMetric[] = [
  "power_w",
  "energy_wh",
  "temp_c",
  "battery_mv",
  "rssi_dbm",
  "smoke_pct_per_m",
];

export type Aggregation = "avg" | "max" | "min" | "last";

export interface HistoryQuery {
  site: string;
  device: string;
  port?: number;
  metric: HistoryMetric;
  from: number;
  to: number;
  stepS: number;
  agg: Aggregation;
}

/** A shed's total power: every charger's last report summed per instant, then the step's peak. */
export interface ShedTotalQuery {
  site: string;
  /** The shed's chargers. */
  devices: string[];
  from: number;
  to: number;
  stepS: number;
}

/**
 * The windows a shed total is summed over (seconds, aligned to absolute time):
 * short enough that loads minutes apart stay apart, the same for every range
 * so one overload has one peak whatever range shows it, and long enough that
 * 7 days stay within VictoriaMetrics' 30,000 points per series. A shed
 * history's step is at least this long.
 */
export const SHED_SUM_RESOLUTION_S = 30;
/** How long a charger's last report counts when it sent none within a window (seconds). */
export const SHED_SUM_LOOKBACK_S = 90;

export interface HistorySeries {
  device: string;
  port?: number;
  metric: HistoryMetric;
  /** [milliseconds since the epoch, value] */
  points: Array<[number, number]>;
}

export interface LabelledValue {
  labels: Record<string, string>;
  value: number;
}

/** The measurement and field a history metric reads, per SCHEMA.md. */
export function metricSource(
  metric: HistoryMetric,
  port: number | undefined,
): { measurement: string; field: string } {
  switch (metric) {
    case "power_w":
      return port === undefined
        ? { measurement: "charger_shed", field: "total_power_w" }
        : { measurement: "charger_port", field: "power_w" };
    case "energy_wh":
      return { measurement: "charger_port", field: "energy_wh" };
    case "temp_c":
      return { measurement: "charger_shed", field: "temp_c" };
    case "battery_mv":
      return { measurement: "uplink", field: "battery_mv" };
    case "rssi_dbm":
      return { measurement: "uplink", field: "rssi_dbm" };
    case "smoke_pct_per_m":
      return { measurement: "smoke_event", field: "smoke_pct_per_m" };
  }
}

export interface HistoryStore {
  series(q: HistoryQuery): Promise<HistorySeries[]>;
  /** [ms, W]: per step, the highest per-instant sum of the chargers' totals. */
  shedTotal(q: ShedTotalQuery): Promise<Array<[number, number]>>;
  /**
   * Number of points of `measurement` in [from, to] for one site, matching the
   * tag values in `where`, grouped by the tags in `by`.
   */
  count(
    site: string,
    measurement: string,
    where: Record<string, string>,
    by: string[],
    from: number,
    to: number,
  ): Promise<LabelledValue[]>;
  /** Smallest or largest value of a field in [from, to] per group. */
  extreme(
    fn: "min" | "max",
    site: string,
    measurement: string,
    field: string,
    by: string[],
    from: number,
    to: number,
  ): Promise<LabelledValue[]>;
  /** Devices seen since `now - lookbackMs`, with site, for the live state. */
  recentDevices(
    lookbackMs: number,
    now: number,
  ): Promise<Array<{ site: string; device: DeviceView }>>;
  /** Alarms with a transition since `now - lookbackMs`, as their latest state. */
  recentAlarms(lookbackMs: number, now: number): Promise<AlarmView[]>;
}
