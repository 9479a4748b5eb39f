/**
 * A shed's or one port's power over the last hours or days, drawn as an SVG
 * chart. One port is named in the URL by its charger and the charger's port
 * index from 0 (`?device=c4a00001&port=0`, as the API takes it) and shown to
 * people numbered from 1 (port-label.js). The whole shed is summed by the
 * bridge per instant, then peaked per step.
 */
import { getHistory, getShed, listAlarms } from "../api.js";
import { timeChart } from "../chart.js";
import { CHART_RANGES_MS, rangeKeyOf } from "../chart-scale.js";
import { h, replace } from "../dom.js";
import { formatDateTime, formatPower, formatTime } from "../format.js";
import { t } from "../i18n.js";
import { alarmsInRange, markerList } from "./chart-alarms.js";
import { portName, shedTitle, showError, showLoading } from "./common.js";

const RANGES_MS = CHART_RANGES_MS;

/** @type {import("../app.js").View} */
export function historyView(root, ctx) {
  const site = ctx.params[0] ?? "";
  const shedId = ctx.params[1] ?? "";
  const deviceText = ctx.query.get("device") ?? "";
  const portText = ctx.query.get("port") ?? "";
  /** The chosen port as "device/index", or undefined for the whole shed. */
  const port =
    deviceText === "" || portText === "" ? undefined : `${deviceText}/${Number(portText)}`;
  /** @param {{ deviceId: string, devicePort: number }} p */
  const keyOf = (p) => `${p.deviceId}/${p.devicePort}`;
  const rangeKey = rangeKeyOf(ctx.query.get("range"), "6h");
  const chartBox = h("div", { class: "card chart-box", "data-testid": "history" });
  const controls = h("div", { class: "controls" });
  root.append(
    h(
      "div",
      { class: "title-row" },
      h("h1", null, t("history.title")),
      h(
        "a",
        {
          class: "button",
          href: `#/shed/${encodeURIComponent(site)}/${encodeURIComponent(shedId)}`,
        },
        t("app.back"),
      ),
    ),
    controls,
    chartBox,
  );
  let stopped = false;
  /** @param {string | undefined} key "device/index" @param {string} r */
  const link = (key, r) => {
    const cut = key === undefined ? -1 : key.lastIndexOf("/");
    return `#/history/${encodeURIComponent(site)}/${encodeURIComponent(shedId)}?${new URLSearchParams(
      {
        ...(key === undefined ? {} : { device: key.slice(0, cut), port: key.slice(cut + 1) }),
        range: r,
      },
    )}`;
  };

  const load = async () => {
    try {
      const to = Date.now();
      const from = to - RANGES_MS[rangeKey];
      const shed = await getShed(site, shedId);
      const one = port === undefined ? undefined : shed.ports.find((p) => keyOf(p) === port);
      const [points, alarms] = await Promise.all([
        one
          ? getHistory({ site, deviceId: one.deviceId, port: one.devicePort, from, to })
          : getHistory({ site, shed: shed.shed, from, to }),
        listAlarms({ site }),
      ]);
      // This port's alarms, or every alarm of the shed's chargers (and of the shed as a whole).
      const chargers = new Set(shed.chargers.map((c) => c.deviceId));
      const markers = alarmsInRange(
        alarms.filter((a) =>
          one
            ? a.deviceId === one.deviceId && (a.port === undefined || a.port === one.devicePort)
            : chargers.has(a.deviceId),
        ),
        from,
        to,
      );
      if (stopped) return;
      const select = h(
        "select",
        {
          "aria-label": t("history.title"),
          onchange: (e) =>
            ctx.navigate(
              link(/** @type {HTMLSelectElement} */ (e.target).value || undefined, rangeKey),
            ),
        },
        h("option", { value: "", selected: port === undefined }, t("history.shed")),
        shed.ports.map((p) =>
          h("option", { value: keyOf(p), selected: keyOf(p) === port }, portName(p)),
        ),
      );
      replace(
        controls,
        h("label", null, `${shedTitle(shed)} `, select),
        h(
          "span",
          { class: "segmented", role: "group", "aria-label": t("history.range") },
          Object.keys(RANGES_MS).map((r) =>
            h(
              "a",
              { class: r === rangeKey ? "button active" : "button", href: link(port, r) },
              t(/** @type {"history.range.6h"} */ (`history.range.${r}`)),
            ),
          ),
        ),
      );
      const limit = one === undefined ? shed.shedLimitW : one.limitW;
      const peak = points.reduce((m, p) => Math.max(m, p[1]), 0);
      const spanMs = to - from;
      replace(
        chartBox,
        points.length === 0
          ? h("p", { class: "muted" }, t("history.empty"))
          : timeChart({
              points,
              from,
              to,
              limit,
              markers,
              formatTipTime: formatDateTime,
              label: `${shedTitle(shed)} ${one === undefined ? t("history.shed") : portName(one)}`,
              formatY: formatPower,
              formatX: spanMs > 2 * 86_400_000 ? shortDate : formatTime,
            }),
        h(
          "p",
          { class: "muted legend" },
          h("span", { class: "key key-line" }),
          " ",
          h("span", { "data-testid": "peak" }, t("history.peak", { value: formatPower(peak) })),
          " ",
          limit === undefined
            ? null
            : [
                h("span", { class: "key key-limit" }),
                ` ${t("history.limit", { value: formatPower(limit) })}`,
              ],
          ` · ${formatDateTime(from)} – ${formatDateTime(to)}`,
        ),
        markerList(markers, t("history.alarms")),
      );
    } catch (err) {
      if (!stopped) showError(chartBox, err, load);
    }
  };
  showLoading(chartBox);
  void load();
  return () => {
    stopped = true;
  };
}

/** @param {number} ms */
function shortDate(ms) {
  const d = new Date(ms);
  return `${d.getMonth() + 1}/${d.getDate()}`;
}
