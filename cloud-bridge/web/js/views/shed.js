/**
 * A charging shed, live: each port's power against its limit and its state
 * (idle, charging, full, cut and why), the shed total against its limit, the
 * temperature. Telemetry from the stream updates it in place, without reloads.
 * Ports are named as people read them (port-label.js): "Charger 2 · port 1"
 * in a shed of several chargers, with the charger's id under it.
 */
import { getShed } from "../api.js";
import { h, replace } from "../dom.js";
import { formatAgo, formatTemp } from "../format.js";
import { t } from "../i18n.js";
import { subscribe } from "../live.js";
import { applyTelemetry } from "../shed-live.js";
import { loadBar } from "./bars.js";
import {
  portName,
  portStateClass,
  portStateName,
  shedTitle,
  shedWhere,
  showError,
  showLoading,
} from "./common.js";
import { restoreForm } from "./restore-form.js";

/** @typedef {import("../models.js").ShedLive} ShedLive */

/** @type {import("../app.js").View} */
export function shedView(root, ctx) {
  const site = ctx.params[0] ?? "";
  const shedId = ctx.params[1] ?? "";
  const body = h("div", { "data-testid": "shed" });
  root.append(body);
  let stopped = false;
  /** @type {ShedLive | undefined} */
  let shed;
  /** Open restore forms, kept across re-renders (by charger/port). @type {Map<string, HTMLElement>} */
  const forms = new Map();
  /** Restores sent, until the charger reports the port on. @type {Set<string>} */
  const pending = new Set();
  /** @param {import("../models.js").PortLive} p */
  const keyOf = (p) => `${p.deviceId}/${p.devicePort}`;
  /** Under a port that is off: the restore button, its form, or the restore on its way. @param {import("../models.js").PortLive} p */
  const relayPart = (p) => {
    const k = keyOf(p);
    if (p.relayOn) {
      pending.delete(k);
      forms.delete(k);
      return null;
    }
    if (pending.has(k))
      return h(
        "p",
        { class: "restore-pending", "data-testid": "restore-pending" },
        t("restore.pending"),
      );
    const form = forms.get(k);
    return h(
      "div",
      null,
      h("p", { "data-testid": "relay" }, t("restore.off")),
      form ??
        h(
          "button",
          {
            type: "button",
            "data-testid": "restore",
            onclick: () => {
              forms.set(
                k,
                restoreForm({
                  site,
                  shed: shedId,
                  port: p,
                  onSent: () => {
                    pending.add(k);
                    forms.delete(k);
                    show();
                  },
                }),
              );
              show();
            },
          },
          t("restore.open"),
        ),
    );
  };
  /** The history page of the shed, or of one port (URL: the charger's id and its port index from 0). */
  const history = (/** @type {import("../models.js").PortLive | undefined} */ p) =>
    `#/history/${encodeURIComponent(site)}/${encodeURIComponent(shedId)}${p === undefined ? "" : `?${new URLSearchParams({ device: p.deviceId, port: String(p.devicePort) })}`}`;

  const show = () => {
    if (!shed) return;
    const s = shed;
    const now = Date.now();
    const overTemp = s.tempLimitC !== undefined && s.tempC !== undefined && s.tempC >= s.tempLimitC;
    const several = s.chargers.length > 1;
    const where = shedWhere(s);
    replace(
      body,
      h(
        "div",
        { class: "title-row" },
        h("h1", { "data-testid": "shed-title" }, shedTitle(s)),
        h("a", { class: "button", href: `#/site/${encodeURIComponent(site)}` }, t("app.back")),
      ),
      h(
        "section",
        { class: "card shed-summary" },
        h("h2", null, t("shed.total")),
        where
          ? h("p", { class: "muted", "data-testid": "where" }, t("shed.where", { where }))
          : null,
        loadBar({
          valueW: s.totalW,
          limitW: s.shedLimitW,
          label: t("shed.total"),
          testId: "total",
        }),
        h(
          "p",
          null,
          `${t("shed.temperature")}: `,
          h(
            "strong",
            { class: overTemp ? "danger" : undefined, "data-testid": "temp" },
            formatTemp(s.tempC),
          ),
          " · ",
          h(
            "span",
            { class: "muted", "data-testid": "updated" },
            t("shed.updated", { when: formatAgo(s.ts, now) }),
          ),
          " · ",
          h("a", { href: history(undefined) }, t("shed.history")),
        ),
      ),
      s.ports.length === 0
        ? h("p", { class: "muted" }, t("shed.noData"))
        : h(
            "div",
            { class: "ports" },
            s.ports.map((p) =>
              h(
                "section",
                {
                  class: `card port port-${portStateClass(p.state)}`,
                  "data-port": p.port,
                  "data-device": p.deviceId,
                  "data-relay": p.relayOn ? "on" : "off",
                },
                h(
                  "div",
                  { class: "port-head" },
                  h(
                    "h3",
                    null,
                    h("a", { href: history(p), "data-testid": "port-name" }, portName(p)),
                  ),
                  h(
                    "span",
                    { class: `badge ps-${portStateClass(p.state)}`, "data-testid": "port-state" },
                    portStateName(p.state),
                  ),
                ),
                several
                  ? h(
                      "p",
                      { class: "muted", "data-testid": "port-charger" },
                      t("shed.chargerId", { id: p.deviceId }),
                    )
                  : null,
                loadBar({
                  valueW: p.powerW,
                  limitW: p.limitW,
                  label: portName(p),
                  testId: "port-power",
                }),
                relayPart(p),
              ),
            ),
          ),
    );
  };
  /** Telemetry that came while the shed was loading: the answer may predate it. @type {unknown[]} */
  let early = [];
  let loading = false;
  const load = async () => {
    loading = true;
    try {
      let next = await getShed(site, shedId);
      for (const d of early) next = applyTelemetry(next, d) ?? next;
      shed = next;
      if (!stopped) show();
    } catch (err) {
      if (!stopped) showError(body, err, load);
    } finally {
      loading = false;
      early = [];
    }
  };
  showLoading(body);
  void load();
  const unsub = subscribe("telemetry", (data) => {
    if (loading) early.push(data);
    if (!shed) return;
    const next = applyTelemetry(shed, data);
    if (!next) return;
    shed = next;
    show();
  });
  // The "updated N s ago" text ages even when nothing arrives.
  const tick = setInterval(show, 5000);
  return () => {
    stopped = true;
    unsub();
    clearInterval(tick);
  };
}
