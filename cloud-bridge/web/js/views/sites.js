/** Every site the token may see: gateways online, devices offline, active alarms by severity. */
import { listSites } from "../api.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { subscribe } from "../live.js";
import { SEVERITIES, severityBadge, showError, showLoading } from "./common.js";

/** @typedef {import("../models.js").SiteSummary} SiteSummary */

/** @type {import("../app.js").View} */
export function sitesView(root) {
  const list = h("div", { class: "grid", "data-testid": "sites" });
  root.append(h("h1", null, t("sites.title")), list);
  let stopped = false;
  const load = async () => {
    try {
      const sites = await listSites();
      if (!stopped) show(sites);
    } catch (err) {
      if (!stopped) showError(list, err, load);
    }
  };
  /** @param {SiteSummary[]} sites */
  const show = (sites) => {
    if (sites.length === 0) {
      replace(list, h("p", { class: "muted" }, t("sites.empty")));
      return;
    }
    replace(list, sortFireFirst(sites).map(siteCard));
  };
  showLoading(list);
  void load();
  const refresh = debounce(load, 300);
  const unsubs = [subscribe("alarm", refresh), subscribe("gateway", refresh)];
  return () => {
    stopped = true;
    for (const u of unsubs) u();
  };
}

/**
 * Sites with an active fire first, then those with a welfare alarm, then by
 * critical and major counts; the configured order otherwise.
 * @param {SiteSummary[]} sites
 */
export function sortFireFirst(sites) {
  /** @param {SiteSummary} s */
  const rank = (s) => [s.fire, s.welfare, s.alarms.critical, s.alarms.major];
  return sites
    .map((s, i) => ({ s, i, r: rank(s) }))
    .sort((a, b) => {
      for (let k = 0; k < a.r.length; k++) {
        const d = (b.r[k] ?? 0) - (a.r[k] ?? 0);
        if (d !== 0) return d;
      }
      return a.i - b.i;
    })
    .map((x) => x.s);
}

/** @param {SiteSummary} s */
function siteCard(s) {
  const active = SEVERITIES.filter(
    (sev) => s.alarms[/** @type {keyof SiteSummary["alarms"]} */ (sev)] > 0,
  );
  return h(
    "section",
    {
      class: `card site${s.fire > 0 ? " site-fire" : s.welfare > 0 ? " site-welfare" : ""}`,
      "data-site": s.site,
    },
    h("h2", null, h("a", { href: `#/site/${encodeURIComponent(s.site)}` }, s.name)),
    h(
      "dl",
      { class: "stats" },
      h("dt", null, t("sites.gatewaysOnline")),
      h(
        "dd",
        {
          class: s.gatewaysOnline < s.gatewaysTotal ? "warn" : undefined,
          "data-testid": "gateways",
        },
        `${s.gatewaysOnline} / ${s.gatewaysTotal}`,
      ),
      h("dt", null, t("sites.devicesOffline")),
      h(
        "dd",
        { class: s.devicesOffline > 0 ? "warn" : undefined, "data-testid": "offline" },
        `${s.devicesOffline} / ${s.devicesTotal}`,
      ),
      h("dt", null, t("sites.activeAlarms")),
      h(
        "dd",
        { "data-testid": "alarms" },
        active.length === 0
          ? t("app.none")
          : active.map((sev) =>
              h(
                "a",
                {
                  class: "count",
                  href: `#/alarms?site=${encodeURIComponent(s.site)}&state=active&severity=${sev}`,
                },
                severityBadge(sev),
                ` ${s.alarms[/** @type {keyof SiteSummary["alarms"]} */ (sev)]}`,
              ),
            ),
      ),
    ),
    h("p", { class: "muted small", "data-testid": "alarms-rule" }, t("alarms.activeRule")),
    h(
      "p",
      { class: "actions" },
      h("a", { class: "button", href: `#/site/${encodeURIComponent(s.site)}` }, t("sites.open")),
      h(
        "a",
        { class: "button", href: `#/report/${encodeURIComponent(s.site)}` },
        t("sites.report"),
      ),
    ),
  );
}

/**
 * @param {() => void} fn
 * @param {number} ms
 */
export function debounce(fn, ms) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  return () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}
