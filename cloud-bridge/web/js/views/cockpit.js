/**
 * The district cockpit (#/cockpit, 数字驾驶舱): every compound the token sees.
 * Totals on top (fire sites, open alarms by severity and kind, sheds near or
 * over their limit, gateways and devices offline, welfare alarms, work
 * orders), then one row per site, fire sites first, with its response times
 * (time to acknowledge and to clear, p50/p90 this week, the arrow compares
 * with last week; the bars are the daily p50 to acknowledge). Every number
 * drills down: site, buildings, shed, alarm, work orders. Live: reloaded at
 * most every 2 s while alarms change.
 */
import { getCockpit } from "../cockpit-api.js";
import { h, replace, svg } from "../dom.js";
import { formatPower } from "../format.js";
import { t, tDynamic } from "../i18n.js";
import { subscribe } from "../live.js";
import { kindName, SEVERITIES, severityBadge, showError, showLoading } from "./common.js";

/** @typedef {import("../cockpit-api.js").CockpitSite} CockpitSite */
/** @typedef {import("../cockpit-api.js").Pct} Pct */

/** "45 s", "3.5 min", "2.1 h". @param {number | undefined} ms */
export function formatDuration(ms) {
  if (ms === undefined) return "–";
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(ms < 600_000 ? 1 : 0)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** p50 / p90 and an arrow against last week's p50 (down is better). @param {Pct} now @param {Pct} prev @param {string} testId */
function responseCell(now, prev, testId) {
  let trend = "";
  let cls = "";
  if (now.p50 !== undefined && prev.p50 !== undefined && prev.p50 > 0) {
    const change = (now.p50 - prev.p50) / prev.p50;
    if (change <= -0.1) [trend, cls] = ["▼", "better"];
    else if (change >= 0.1) [trend, cls] = ["▲", "worse"];
    else trend = "=";
  }
  return h(
    "td",
    { "data-testid": testId, "data-label": t(testId === "ack" ? "cockpit.ack" : "cockpit.clear") },
    `${formatDuration(now.p50)} / ${formatDuration(now.p90)}`,
    trend
      ? h(
          "span",
          {
            class: `trend ${cls}`,
            title: t("cockpit.lastWeek", { p50: formatDuration(prev.p50) }),
          },
          ` ${trend}`,
        )
      : null,
  );
}

/** One bar per day (or week): the p50 to acknowledge. @param {Array<number | null>} days */
function spark(days) {
  const max = Math.max(1, ...days.map((d) => d ?? 0));
  const width = days.length * 10;
  return svg(
    "svg",
    { class: "spark", viewBox: `0 0 ${width} 20`, width, height: 20, "aria-hidden": "true" },
    days.map((d, i) =>
      d === null
        ? null
        : svg("rect", {
            x: i * 10 + 1,
            width: 8,
            y: 20 - (d / max) * 18 - 1,
            height: (d / max) * 18 + 1,
          }),
    ),
  );
}

/** @param {string} label @param {number | string} value @param {string} testId @param {boolean} [alert] */
function tile(label, value, testId, alert = false) {
  return h(
    "div",
    { class: `tile${alert ? " tile-alert" : ""}`, "data-testid": testId },
    h("span", { class: "tile-value" }, String(value)),
    h("span", { class: "tile-label" }, label),
  );
}

/** @param {CockpitSite} s */
function siteRow(s) {
  const q = encodeURIComponent(s.site);
  const sev = SEVERITIES.filter((k) => (s.bySeverity[k] ?? 0) > 0);
  return h(
    "tr",
    {
      "data-site": s.site,
      "data-fire": s.fire > 0 ? "1" : "0",
      class: s.fire > 0 ? "fire-row" : undefined,
    },
    h(
      "th",
      { scope: "row" },
      h("a", { href: `#/site/${q}` }, s.name ?? s.site),
      s.fire > 0
        ? h("span", { class: "badge sev-critical", "data-testid": "fire" }, t("cockpit.fire"))
        : null,
      s.welfare > 0
        ? h("span", { class: "badge sev-major" }, t("cockpit.welfare", { n: s.welfare }))
        : null,
      h(
        "div",
        { class: "muted drill" },
        h("a", { href: `#/buildings/${q}` }, t("buildings.open")),
        " · ",
        h(
          "a",
          { href: `#/work-orders/${q}` },
          t("cockpit.orders", { open: s.workOrders.open, overdue: s.workOrders.overdue }),
        ),
      ),
    ),
    h(
      "td",
      { "data-label": t("cockpit.alarms") },
      sev.length
        ? sev.flatMap((k) => [severityBadge(k), ` ${s.bySeverity[k]} `])
        : h("span", { class: "muted" }, "0"),
      s.top
        ? h(
            "div",
            null,
            h(
              "a",
              {
                href: `#/alarm/${q}/${encodeURIComponent(s.top.alarmId)}`,
                "data-testid": "top-alarm",
              },
              kindName(s.top.kind),
              s.top.where ? ` · ${s.top.where}` : "",
            ),
          )
        : null,
    ),
    h(
      "td",
      { "data-label": t("cockpit.sheds") },
      t("cockpit.nearOver", { near: s.sheds.near, over: s.sheds.over }),
      s.sheds.worst && (s.sheds.near > 0 || s.sheds.over > 0)
        ? h(
            "div",
            null,
            h(
              "a",
              { href: `#/shed/${q}/${encodeURIComponent(s.sheds.worst.shed)}` },
              `${s.sheds.worst.shed} ${formatPower(s.sheds.worst.totalPowerW)} / ${formatPower(s.sheds.worst.limitW)}`,
            ),
          )
        : null,
    ),
    h(
      "td",
      { "data-label": t("cockpit.offline") },
      t("cockpit.offlineCounts", {
        gw: s.gateways.offline,
        gwTotal: s.gateways.total,
        dev: s.devices.offline,
        devTotal: s.devices.total,
      }),
    ),
    responseCell(s.ack, s.ackPrev, "ack"),
    responseCell(s.clear, s.clearPrev, "clear"),
    h(
      "td",
      { "data-label": t("cockpit.trend") },
      spark(s.ackDaily),
      s.ackWeekly.some((w) => w !== null)
        ? h(
            "span",
            {
              class: "weekly",
              "data-testid": "weekly",
              title: t("cockpit.weekly", { n: s.ackWeekly.length }),
            },
            " ",
            spark(s.ackWeekly),
          )
        : null,
    ),
  );
}

/** @type {import("../app.js").View} */
export function cockpitView(root) {
  const tiles = h("div", { class: "tiles", "data-testid": "cockpit-totals" });
  const kinds = h("p", { class: "kinds" });
  const body = h("tbody");
  const more = h("p", { class: "muted" });
  const table = h(
    "table",
    { class: "cockpit", "data-testid": "cockpit" },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        [
          "cockpit.site",
          "cockpit.alarms",
          "cockpit.sheds",
          "cockpit.offline",
          "cockpit.ack",
          "cockpit.clear",
          "cockpit.trend",
        ].map((k) => h("th", { scope: "col" }, tDynamic(k, k))),
      ),
    ),
    body,
  );
  root.append(
    h("h1", null, t("cockpit.title")),
    tiles,
    kinds,
    h("div", { class: "table-wrap" }, table),
    more,
  );
  let stopped = false;
  const load = async () => {
    try {
      const c = await getCockpit(100);
      if (stopped) return;
      const x = c.totals;
      replace(
        tiles,
        tile(t("cockpit.fireSites"), x.fireSites, "t-fire", x.fireSites > 0),
        tile(t("cockpit.openAlarms"), x.active, "t-alarms", x.bySeverity.critical > 0),
        ...SEVERITIES.map((k) =>
          tile(
            t(/** @type {any} */ (`severity.${k}`)),
            x.bySeverity[/** @type {"critical"} */ (k)],
            `t-${k}`,
          ),
        ),
        tile(t("cockpit.welfareAlarms"), x.welfareSites, "t-welfare", x.welfareSites > 0),
        tile(
          t("cockpit.shedsNearOver"),
          `${x.sheds.near} / ${x.sheds.over}`,
          "t-sheds",
          x.sheds.over > 0,
        ),
        tile(
          t("cockpit.gatewaysOffline"),
          `${x.gateways.offline} / ${x.gateways.total}`,
          "t-gateways",
          x.gateways.offline > 0,
        ),
        tile(t("cockpit.devicesOffline"), `${x.devices.offline} / ${x.devices.total}`, "t-devices"),
        tile(
          t("cockpit.workOrders"),
          `${x.workOrders.open} / ${x.workOrders.overdue}`,
          "t-orders",
          x.workOrders.overdue > 0,
        ),
      );
      replace(
        kinds,
        x.byKind.map((k) => h("span", { class: "chip" }, `${kindName(k.key)} ${k.count}`)),
      );
      replace(body, c.sites.map(siteRow));
      more.textContent =
        x.sites > c.sites.length
          ? t("cockpit.more", { shown: c.sites.length, total: x.sites })
          : "";
    } catch (err) {
      if (!stopped) showError(tiles, err, load);
    }
  };
  showLoading(tiles);
  void load();
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let pending;
  const soon = () => {
    if (pending !== undefined) return;
    pending = setTimeout(() => {
      pending = undefined;
      void load();
    }, 2000);
  };
  const unsubs = [
    subscribe("alarm", soon),
    subscribe("gateway", soon),
    subscribe("work-order", soon),
  ];
  return () => {
    stopped = true;
    if (pending !== undefined) clearTimeout(pending);
    for (const u of unsubs) u();
  };
}
