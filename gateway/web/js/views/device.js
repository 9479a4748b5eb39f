/**
 * One device's recent readings as the gateway holds them (its last 24 hours
 * in memory): a charger's power per port and shed temperature, a detector's
 * smoke level and battery. Alarms raised in the range are flags on the time
 * axis; a flag leads to the alarm in the list under the chart.
 * Route: #/device?id=00c4a001&series=power_w/2&range=1h&alarm=<alarm id>
 */
import { getReadings } from "../api.js";
import { timeChart } from "../chart.js";
import { rangeKeyOf } from "../chart-scale.js";
import { h, replace } from "../dom.js";
import { formatDateTime } from "../format.js";
import { t, tDynamic } from "../i18n.js";
import { subscribe } from "../live.js";
import { showError, showLoading, throttle } from "./common.js";

/** The gateway keeps 24 hours, so its ranges stop there. */
const RANGES_MS = { "1h": 3_600_000, "6h": 6 * 3_600_000, "24h": 24 * 3_600_000 };

/** @typedef {import("../models.js").ReadingSeries} ReadingSeries */

/** @param {ReadingSeries} s */
const seriesKey = (s) => (s.port === undefined ? s.metric : `${s.metric}/${s.port}`);

/** @param {ReadingSeries} s */
function seriesName(s) {
  return tDynamic(`device.metric.${s.metric}`, s.metric).replace("{n}", String((s.port ?? 0) + 1));
}

/** The exact reading in its unit. @param {string} metric @returns {(v: number) => string} */
function formatterOf(metric) {
  if (metric === "power_w") return (v) => `${Math.round(v)} W`;
  if (metric === "temp_c") return (v) => `${v.toFixed(1)} °C`;
  if (metric === "battery_mv") return (v) => `${Math.round(v)} mV`;
  if (metric === "smoke") return (v) => `${(v / 100).toFixed(2)} %/m`;
  return (v) => String(v);
}

/** @param {number} ms */
function clock(ms) {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/** @type {import("../app.js").View} */
export function deviceView(root, ctx) {
  const id = (ctx.query.get("id") ?? "").toLowerCase();
  const wanted = ctx.query.get("series") ?? "";
  const focusAlarm = ctx.query.get("alarm") ?? "";
  const asked = rangeKeyOf(ctx.query.get("range"), "1h");
  const rangeKeyOk = asked === "7d" ? "24h" : asked;
  const controls = h("div", { class: "controls" });
  const chartBox = h("div", { class: "card chart-box", "data-testid": "readings" });
  const alarmBox = h("div", { class: "card", "data-testid": "device-alarms" });
  root.append(
    h(
      "div",
      { class: "title-row" },
      h("h1", null, h("code", null, id), ` · ${t("device.chart")}`),
      h("a", { class: "button", href: "#/devices" }, t("device.back")),
    ),
    controls,
    chartBox,
    alarmBox,
  );
  /** @param {Record<string, string>} change */
  const link = (change) => {
    const q = new URLSearchParams({ id, series: wanted, range: rangeKeyOk, ...change });
    if (!q.get("series")) q.delete("series");
    return `#/device?${q}`;
  };
  let stopped = false;

  const load = async () => {
    try {
      const to = Date.now();
      const from = to - RANGES_MS[rangeKeyOk];
      const r = await getReadings(id, from, to);
      if (stopped) return;
      const shown =
        r.series.find((s) => seriesKey(s) === wanted) ??
        r.series.find((s) => s.metric === "power_w" && s.points.some((p) => p[1] > 0)) ??
        r.series[0];
      replace(
        controls,
        r.series.length === 0
          ? null
          : h(
              "label",
              null,
              `${t("device.series")} `,
              h(
                "select",
                {
                  "aria-label": t("device.series"),
                  "data-testid": "series",
                  onchange: (e) =>
                    ctx.navigate(
                      link({ series: /** @type {HTMLSelectElement} */ (e.target).value }),
                    ),
                },
                r.series.map((s) =>
                  h("option", { value: seriesKey(s), selected: s === shown }, seriesName(s)),
                ),
              ),
            ),
        h(
          "span",
          { class: "segmented", role: "group", "aria-label": t("device.range") },
          Object.keys(RANGES_MS).map((k) =>
            h(
              "a",
              { class: k === rangeKeyOk ? "button active" : "button", href: link({ range: k }) },
              tDynamic(`device.range.${k}`, k),
            ),
          ),
        ),
      );
      const alarms = r.alarms.filter(
        (a) => !shown || shown.port === undefined || a.port === undefined || a.port === shown.port,
      );
      /** @param {import("../models.js").DeviceAlarm} a */
      const alarmLabel = (a) =>
        `${tDynamic(`alarmKind.${a.kind}`, a.kind)} · ${formatDateTime(a.raisedAt)}`;
      const format = formatterOf(shown?.metric ?? "");
      replace(
        chartBox,
        !shown || shown.points.length === 0
          ? h("p", { class: "muted" }, t("device.empty"))
          : timeChart({
              points: shown.points,
              from,
              to,
              markers: alarms.map((a) => ({
                t: a.raisedAt,
                id: a.alarmId,
                label: alarmLabel(a),
                href: link({ series: seriesKey(shown), alarm: a.alarmId }),
                severity: a.severity,
              })),
              formatY: format,
              formatX: clock,
              formatTipTime: formatDateTime,
              label: `${id} ${seriesName(shown)}`,
            }),
      );
      replace(
        alarmBox,
        h("h2", null, t("device.alarms")),
        alarms.length === 0
          ? h("p", { class: "muted" }, t("device.noAlarms"))
          : h(
              "ul",
              { class: "alarm-list" },
              alarms.map((a) =>
                h(
                  "li",
                  {
                    "data-alarm": a.alarmId,
                    class: a.alarmId === focusAlarm ? "focused" : undefined,
                  },
                  h(
                    "span",
                    { class: `badge sev-${a.severity}` },
                    tDynamic(`severity.${a.severity}`, a.severity),
                  ),
                  ` ${alarmLabel(a)} · `,
                  a.active
                    ? t("device.alarm.active")
                    : t("device.alarm.cleared", { when: formatDateTime(a.clearedAt) }),
                  a.evidence ? h("div", { class: "muted" }, a.evidence) : null,
                ),
              ),
            ),
      );
      const focused = alarmBox.querySelector("li.focused");
      if (focused) focused.scrollIntoView({ block: "center" });
    } catch (err) {
      if (!stopped) showError(chartBox, err, load);
    }
  };
  showLoading(chartBox);
  void load();
  // This device's new readings and alarms arrive live; redraw at most every 5 s.
  const refresh = throttle(load, 5000);
  /** @param {unknown} data */
  const mine = (data) => {
    const o = /** @type {{ deviceId?: unknown }} */ (data ?? {});
    if (String(o.deviceId ?? "").toLowerCase() === id) refresh();
  };
  const unsubs = [subscribe("accepted", mine), subscribe("alarm", mine)];
  return () => {
    stopped = true;
    for (const u of unsubs) u();
  };
}
