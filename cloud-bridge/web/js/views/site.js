/** One site: its gateways (online/offline), devices offline, and charging sheds with live totals. */
import { listDevices, listGateways, listSheds, listSites } from "../api.js";
import { h, replace } from "../dom.js";
import { formatAgo, formatTemp } from "../format.js";
import { t } from "../i18n.js";
import { subscribe } from "../live.js";
import { obj } from "../narrow.js";
import { applyTelemetry } from "../shed-live.js";
import { loadBar } from "./bars.js";
import {
  kindName,
  placeText,
  portStateClass,
  portStateName,
  shedTitle,
  shedWhere,
  showError,
  showLoading,
} from "./common.js";

/** @typedef {import("../models.js").ShedLive} ShedLive */
/** @typedef {import("../models.js").GatewayInfo} GatewayInfo */
/** @typedef {import("../models.js").DeviceInfo} DeviceInfo */

/** @type {import("../app.js").View} */
export function siteView(root, ctx) {
  const site = ctx.params[0] ?? "";
  const gatewaysBox = h("div", { "data-testid": "gateways" });
  const offlineBox = h("div", { "data-testid": "offline-devices" });
  const unheardBox = h("div", { "data-testid": "unheard-devices" });
  const shedsBox = h("div", { class: "grid", "data-testid": "sheds" });
  const q = encodeURIComponent(site);
  const title = h("h1", null, t("site.title", { site }));
  root.append(
    h(
      "div",
      { class: "title-row" },
      title,
      h("a", { class: "button", href: `#/alarms?site=${q}&state=active` }, t("site.alarms")),
      h("a", { class: "button", href: `#/report/${q}` }, t("sites.report")),
      h("a", { class: "button", href: `#/residents/${q}` }, t("site.residents")),
      h("a", { class: "button", href: `#/buildings/${q}` }, t("buildings.open")),
      h("a", { class: "button", href: `#/work-orders/${q}` }, t("wo.siteLink")),
    ),
    h("h2", null, t("site.sheds")),
    shedsBox,
    h("h2", null, t("site.gateways")),
    gatewaysBox,
    h("h2", null, t("site.devicesOffline")),
    offlineBox,
    h("h2", null, t("site.devicesUnheard")),
    unheardBox,
  );
  let stopped = false;
  /** @type {ShedLive[]} */
  let sheds = [];
  /** @type {GatewayInfo[]} */
  let gateways = [];

  /** Telemetry that came while the site was loading: the answer may predate it. @type {unknown[]} */
  let early = [];
  let loading = false;
  const load = async () => {
    loading = true;
    try {
      const [gws, devices, shedList, sites] = await Promise.all([
        listGateways(site),
        listDevices(site),
        listSheds(site),
        listSites(),
      ]);
      if (stopped) return;
      const name = sites.find((s) => s.site === site)?.name;
      if (name && name !== site) title.textContent = t("site.title", { site: `${name} (${site})` });
      gateways = gws;
      sheds = shedList.map((s) => {
        let x = s;
        for (const d of early) x = applyTelemetry(x, d) ?? x;
        return x;
      });
      showGateways();
      showSheds();
      showDevices(
        offlineBox,
        devices.filter((d) => d.heard && !d.online),
      );
      showDevices(
        unheardBox,
        devices.filter((d) => !d.heard),
      );
    } catch (err) {
      if (!stopped) showError(shedsBox, err, load);
    } finally {
      loading = false;
      early = [];
    }
  };
  const showGateways = () => {
    const now = Date.now();
    if (gateways.length === 0) {
      replace(gatewaysBox, h("p", { class: "muted" }, t("site.noGateways")));
      return;
    }
    replace(
      gatewaysBox,
      h(
        "ul",
        { class: "plain" },
        gateways.map((g) =>
          h(
            "li",
            { "data-gateway": g.gateway },
            h(
              "span",
              { class: `badge ${g.online ? "st-online" : "st-offline"}` },
              g.online ? t("site.online") : t("site.offline"),
            ),
            ` ${g.gateway} `,
            h("span", { class: "muted" }, t("site.lastSeen", { when: formatAgo(g.lastSeen, now) })),
          ),
        ),
      ),
    );
  };
  /**
   * Devices offline (last seen) or installed but not yet heard (since when registered).
   * @param {HTMLElement} box @param {DeviceInfo[]} list
   */
  const showDevices = (box, list) => {
    const now = Date.now();
    replace(
      box,
      list.length === 0
        ? h("p", { class: "muted" }, t("app.none"))
        : h(
            "ul",
            { class: "plain" },
            list.map((d) =>
              h(
                "li",
                { "data-device": d.deviceId },
                h("code", null, d.deviceId),
                ` ${kindName(d.kind)} · `,
                placeText(d) ? h("span", { "data-testid": "where" }, `${placeText(d)} · `) : null,
                d.heard
                  ? t("site.lastSeen", { when: formatAgo(d.lastSeen, now) })
                  : t("site.notHeard", { when: formatAgo(d.registeredAt, now) }),
              ),
            ),
          ),
    );
  };
  const showSheds = () => {
    if (sheds.length === 0) {
      replace(shedsBox, h("p", { class: "muted" }, t("site.noSheds")));
      return;
    }
    replace(shedsBox, sheds.map(shedCard));
  };
  /** @param {ShedLive} s */
  const shedCard = (s) =>
    h(
      "a",
      {
        class: "card shed-card",
        href: `#/shed/${q}/${encodeURIComponent(s.shed)}`,
        "data-device": s.shed,
        "data-shed": s.shed,
      },
      h("h3", null, shedTitle(s)),
      shedWhere(s) ? h("p", { class: "muted" }, shedWhere(s)) : null,
      loadBar({ valueW: s.totalW, limitW: s.shedLimitW, label: t("shed.total") }),
      h(
        "div",
        { class: "port-dots", "aria-hidden": "true" },
        s.ports.map((p) =>
          h("span", { class: `dot ps-${portStateClass(p.state)}`, title: portStateName(p.state) }),
        ),
      ),
      h("p", { class: "muted" }, `${t("shed.temperature")} ${formatTemp(s.tempC)}`),
    );

  showLoading(shedsBox);
  void load();
  const unsubs = [
    subscribe("telemetry", (data) => {
      if (loading) early.push(data);
      let changed = false;
      sheds = sheds.map((s) => {
        const next = applyTelemetry(s, data);
        if (next) changed = true;
        return next ?? s;
      });
      if (changed) showSheds();
    }),
    subscribe("gateway", (data) => {
      const d = obj(data);
      if (d.site !== site) return;
      if (!gateways.some((g) => g.gateway === d.gateway)) return void load();
      gateways = gateways.map((g) =>
        g.gateway === d.gateway
          ? { ...g, online: d.online === true, lastSeen: Number(d.statusTs) || g.lastSeen }
          : g,
      );
      showGateways();
    }),
  ];
  return () => {
    stopped = true;
    for (const u of unsubs) u();
  };
}
