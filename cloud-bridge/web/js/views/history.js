/**
 * A shed's or one port's power over the last hours or days, drawn as an SVG
 * chart. `port` is the shed's port number (shed view); it is read from that
 * port's charger. The whole shed is summed by the bridge per instant, then peaked per step.
 */
import { getHistory, getShed } from "../api.js";
import { lineChart } from "../chart.js";
import { h, replace } from "../dom.js";
import { formatDateTime, formatPower, formatTime } from "../format.js";
import { t } from "../i18n.js";
import { shedTitle, showError, showLoading } from "./common.js";

const RANGES_MS = { "6h": 6 * 3_600_000, "24h": 24 * 3_600_000, "7d": 7 * 86_400_000 };

/** @type {import("../app.js").View} */
export function historyView(root, ctx) {
  const site = ctx.params[0] ?? "";
  const shedId = ctx.params[1] ?? "";
  const portText = ctx.query.get("port");
  const port = portText === null || portText === "" ? undefined : Number(portText);
  const rangeText = ctx.query.get("range") ?? "";
  const rangeKey = /** @type {keyof typeof RANGES_MS} */ (
    rangeText in RANGES_MS ? rangeText : "6h"
  );
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
  /** @param {number | undefined} p @param {string} r */
  const link = (p, r) =>
    `#/history/${encodeURIComponent(site)}/${encodeURIComponent(shedId)}?${new URLSearchParams({
      ...(p === undefined ? {} : { port: String(p) }),
      range: r,
    })}`;

  const load = async () => {
    try {
      const to = Date.now();
      const from = to - RANGES_MS[rangeKey];
      const shed = await getShed(site, shedId);
      const one = port === undefined ? undefined : shed.ports.find((p) => p.port === port);
      const points = one
        ? await getHistory({ site, deviceId: one.deviceId, port: one.devicePort, from, to })
        : await getHistory({ site, shed: shed.shed, from, to });
      if (stopped) return;
      const select = h(
        "select",
        {
          "aria-label": t("history.title"),
          onchange: (e) =>
            ctx.navigate(link(portOf(/** @type {HTMLSelectElement} */ (e.target).value), rangeKey)),
        },
        h("option", { value: "", selected: port === undefined }, t("history.shed")),
        shed.ports.map((p) =>
          h(
            "option",
            { value: p.port, selected: p.port === port },
            t("history.port", { n: p.port + 1 }),
          ),
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
      const limit =
        port === undefined ? shed.shedLimitW : shed.ports.find((p) => p.port === port)?.limitW;
      const peak = points.reduce((m, p) => Math.max(m, p[1]), 0);
      const spanMs = to - from;
      replace(
        chartBox,
        points.length === 0
          ? h("p", { class: "muted" }, t("history.empty"))
          : lineChart({
              points,
              from,
              to,
              limit,
              label: `${shedTitle(shed)} ${port === undefined ? t("history.shed") : t("history.port", { n: port + 1 })}`,
              formatY: formatPower,
              formatX: spanMs > 2 * 86_400_000 ? shortDate : formatTime,
            }),
        h(
          "p",
          { class: "muted legend" },
          h("span", { class: "key key-line" }),
          ` ${t("history.peak", { value: formatPower(peak) })} `,
          limit === undefined
            ? null
            : [
                h("span", { class: "key key-limit" }),
                ` ${t("history.limit", { value: formatPower(limit) })}`,
              ],
          ` · ${formatDateTime(from)} – ${formatDateTime(to)}`,
        ),
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

/** @param {string} v */
function portOf(v) {
  return v === "" ? undefined : Number(v);
}

/** @param {number} ms */
function shortDate(ms) {
  const d = new Date(ms);
  return `${d.getMonth() + 1}/${d.getDate()}`;
}
