/**
 * A site's weekly report (overloads, cuts by reason, illegal-load incidents,
 * fire alarms, ports cut or overloaded, devices offline, low batteries) as
 * printable HTML and as CSV.
 */
import { getWeeklyReport, listSites } from "../api.js";
import { downloadText, toCsv } from "../csv.js";
import { h, replace } from "../dom.js";
import { formatDate, formatDateTime, formatPower } from "../format.js";
import { t, tDynamic } from "../i18n.js";
import { addWeeks, isoWeekOf } from "../iso-week.js";
import { kindName, portName, showError, showLoading } from "./common.js";

/** @typedef {import("../models.js").WeeklyReport} WeeklyReport */

/** @type {import("../app.js").View} */
export function reportView(root, ctx) {
  const site = ctx.params[0] ?? "";
  const week = ctx.query.get("week") ?? isoWeekOf(Date.now());
  const body = h("div", { class: "report", "data-testid": "report" });
  root.append(body);
  let stopped = false;
  /** @param {string} w */
  const link = (w) => `#/report/${encodeURIComponent(site)}?week=${w}`;

  /** @param {WeeklyReport} r @param {string} name */
  const show = (r, name) => {
    replace(
      body,
      h(
        "div",
        { class: "title-row" },
        h(
          "h1",
          null,
          t("report.title", { site: name === r.site ? r.site : `${name} (${r.site})` }),
        ),
        h(
          "span",
          { class: "no-print actions" },
          h("a", { class: "button", href: link(addWeeks(week, -1)) }, t("report.prev")),
          h("a", { class: "button", href: link(addWeeks(week, 1)) }, t("report.next")),
          h("button", { type: "button", onclick: () => window.print() }, t("report.print")),
          h(
            "button",
            {
              type: "button",
              "data-testid": "csv",
              onclick: () => downloadText(`haitang-${r.site}-${r.week}.csv`, reportCsv(r)),
            },
            t("report.csv"),
          ),
        ),
      ),
      h(
        "p",
        null,
        `${r.week} · `,
        t("report.period", { from: formatDate(r.from), to: formatDate(r.to - 1) }),
      ),
      countTable(t("report.metric"), summaryRows(r), "summary"),
      h("h2", null, t("report.cuts")),
      countTable(
        t("report.reason"),
        r.cutsByReason.map((c) => [cutReasonName(c.key), c.count]),
        "cuts",
      ),
      h("h2", null, t("report.alarmsByKind")),
      countTable(
        t("report.kind"),
        r.alarmsByKind.map((c) => [kindName(c.key), c.count]),
        "alarms-by-kind",
      ),
      h("h2", null, t("report.ports")),
      portTable(r.ports),
      h("h2", null, t("report.devicesOffline")),
      list(r.devicesOffline.map((d) => `${d.deviceId} · ${formatDateTime(d.lastSeen)}`)),
      h("h2", null, t("report.lowBatteries")),
      list(r.lowBatteries.map((d) => `${d.deviceId} · ${(d.batteryMv / 1000).toFixed(2)} V`)),
      h("p", { class: "muted" }, t("report.generated", { when: formatDateTime(Date.now()) })),
    );
  };
  const load = async () => {
    try {
      const [r, sites] = await Promise.all([getWeeklyReport(site, week), listSites()]);
      if (!stopped) show(r, sites.find((s) => s.site === site)?.name ?? r.site);
    } catch (err) {
      if (!stopped) showError(body, err, load);
    }
  };
  showLoading(body);
  void load();
  return () => {
    stopped = true;
  };
}

/**
 * @param {string} head
 * @param {Array<[string, number]>} rows
 * @param {string} testId
 */
function countTable(head, rows, testId) {
  if (rows.length === 0) return h("p", { class: "muted" }, t("report.noDetails"));
  return h(
    "table",
    { class: "table", "data-testid": testId },
    h(
      "thead",
      null,
      h("tr", null, h("th", null, head), h("th", { class: "num" }, t("report.count"))),
    ),
    h(
      "tbody",
      null,
      rows.map(([label, count]) =>
        h("tr", null, h("td", null, label), h("td", { class: "num" }, count)),
      ),
    ),
  );
}

/** Ports cut or overloaded in the week, named as people read them. @param {WeeklyReport["ports"]} ports */
function portTable(ports) {
  if (ports.length === 0) return h("p", { class: "muted" }, t("report.noDetails"));
  const num = (/** @type {string} */ text) => h("th", { class: "num" }, text);
  return h(
    "table",
    { class: "table", "data-testid": "ports" },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        h("th", null, t("report.port")),
        num(t("report.portCuts")),
        num(t("report.portOverloadAlarms")),
        num(t("report.portPeak")),
      ),
    ),
    h(
      "tbody",
      null,
      ports.map((p) =>
        h(
          "tr",
          { "data-device": p.deviceId, "data-port-no": p.portNo },
          h("td", { "data-testid": "port-where" }, `${p.shed ?? p.deviceId} · ${portName(p)}`),
          h("td", { class: "num", "data-testid": "port-cuts" }, p.cuts),
          h("td", { class: "num", "data-testid": "port-overloads" }, p.overloadAlarms),
          h(
            "td",
            { class: "num", "data-testid": "port-peak" },
            p.peakW === undefined ? "—" : formatPower(p.peakW),
          ),
        ),
      ),
    ),
  );
}

/** @param {string[]} items */
function list(items) {
  if (items.length === 0) return h("p", { class: "muted" }, t("report.noDetails"));
  return h(
    "ul",
    { class: "plain" },
    items.map((i) => h("li", null, i)),
  );
}

/** @param {WeeklyReport} r @returns {Array<[string, number]>} */
function summaryRows(r) {
  return [
    [t("report.portOverloads"), r.portOverloads],
    [t("report.shedOverloads"), r.shedOverloads],
    [t("report.illegalLoad"), r.illegalLoad],
    [t("report.fireAlarms"), r.fireAlarms],
    [t("report.devicesOffline"), r.devicesOffline.length],
    [t("report.lowBatteries"), r.lowBatteries.length],
  ];
}

/** @param {string} key */
function cutReasonName(key) {
  return tDynamic(`cut.${key}`, key);
}

/** The same report as CSV: section, item, value rows. @param {WeeklyReport} r */
export function reportCsv(r) {
  /** @type {Array<Array<string | number>>} */
  const rows = [
    ["section", "item", "value"],
    ["report", "site", r.site],
    ["report", "week", r.week],
    ["report", "from", new Date(r.from).toISOString()],
    ["report", "to", new Date(r.to).toISOString()],
    ["summary", "port_overloads", r.portOverloads],
    ["summary", "shed_overloads", r.shedOverloads],
    ["summary", "illegal_load_incidents", r.illegalLoad],
    ["summary", "fire_alarms", r.fireAlarms],
    ["summary", "devices_offline", r.devicesOffline.length],
    ["summary", "low_batteries", r.lowBatteries.length],
    ...r.cutsByReason.map((c) => ["cuts_by_reason", c.key, c.count]),
    ...r.alarmsByKind.map((c) => ["alarms_by_kind", c.key, c.count]),
    ...r.devicesOffline.map((d) => [
      "device_offline",
      d.deviceId,
      d.lastSeen === undefined ? "" : new Date(d.lastSeen).toISOString(),
    ]),
    ...r.lowBatteries.map((d) => ["low_battery_mv", d.deviceId, d.batteryMv]),
    ...r.ports.flatMap((p) => [
      ["port_cuts", p.where, p.cuts],
      ["port_overload_alarms", p.where, p.overloadAlarms],
      ...(p.peakW === undefined ? [] : [["port_peak_w", p.where, p.peakW]]),
    ]),
  ];
  return toCsv(rows);
}
