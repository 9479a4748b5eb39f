/**
 * Gateway health: receivers, uplink state, outbox depth and age, and the
 * counters per drop reason. Refreshed every few seconds and on live events.
 */
import { getHealth } from "../api.js";
import { h, replace } from "../dom.js";
import { formatCount, formatDuration } from "../format.js";
import { t, tDynamic } from "../i18n.js";
import { subscribeAll } from "../live.js";
import { showError, showLoading, throttle } from "./common.js";

/** @typedef {import("../models.js").Health} Health */

const REFRESH_MS = 5000;

/** @type {import("../app.js").View} */
export function healthView(root) {
  const box = h("div", { "data-testid": "health" });
  root.append(h("h1", null, t("health.title")), box);
  let stopped = false;

  /** @param {Health} s */
  const show = (s) => {
    const up = s.uplink === "connected";
    replace(
      box,
      h(
        "p",
        { class: "muted" },
        [
          t("health.site", { site: s.site, gateway: s.gateway }),
          s.version ? t("health.version", { version: s.version }) : "",
          s.uptimeS !== undefined ? t("health.uptime", { time: formatDuration(s.uptimeS) }) : "",
        ]
          .filter(Boolean)
          .join(" · "),
      ),
      h(
        "div",
        { class: "grid" },
        h(
          "section",
          { class: "card", "data-testid": "uplink" },
          h("h2", null, t("health.uplink")),
          h(
            "p",
            null,
            h(
              "span",
              { class: `badge ${up ? "st-ok" : s.uplink === "disabled" ? "" : "st-bad"}` },
              tDynamic(`health.uplink.${s.uplink}`, s.uplink),
            ),
          ),
          h(
            "dl",
            { class: "stats" },
            h("dt", null, t("health.devices")),
            h("dd", null, formatCount(s.devices)),
            h("dt", null, t("health.pending")),
            h("dd", null, formatCount(s.pendingDevices)),
            h("dt", null, t("health.alarms")),
            h("dd", null, formatCount(s.activeAlarms)),
          ),
          h("p", { class: "muted small", "data-testid": "alarms-rule" }, t("alarms.activeRule")),
        ),
        h(
          "section",
          { class: "card", "data-testid": "outbox" },
          h("h2", null, t("health.outbox")),
          h(
            "dl",
            { class: "stats" },
            h("dt", null, t("health.outboxDepth")),
            h(
              "dd",
              { class: s.outboxDepth > 0 && !up ? "warn" : undefined },
              formatCount(s.outboxDepth),
            ),
            h("dt", null, t("health.outboxAge")),
            h("dd", null, s.outboxDepth === 0 ? "–" : formatDuration(s.oldestEntryAgeS)),
          ),
        ),
        h(
          "section",
          { class: "card", "data-testid": "receivers" },
          h("h2", null, t("health.receivers")),
          s.receivers.length === 0
            ? h("p", { class: "muted" }, t("app.none"))
            : h(
                "ul",
                { class: "plain" },
                s.receivers.map((r) =>
                  h(
                    "li",
                    null,
                    h(
                      "span",
                      { class: `badge ${r.connected ? "st-ok" : "st-bad"}` },
                      r.connected
                        ? t("health.receiverConnected")
                        : t("health.receiverDisconnected"),
                    ),
                    ` ${r.name}`,
                    r.path ? h("span", { class: "muted" }, ` ${r.path}`) : null,
                    r.frames === undefined
                      ? null
                      : h(
                          "span",
                          { class: "muted" },
                          ` · ${formatCount(r.frames)} ${t("health.frames")}`,
                        ),
                  ),
                ),
              ),
        ),
      ),
      h("h2", null, t("health.counters")),
      h(
        "table",
        { class: "table", "data-testid": "drops" },
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            h("th", null, t("health.reason")),
            h("th", { class: "num" }, t("health.count")),
          ),
        ),
        h(
          "tbody",
          null,
          s.drops.map((d) =>
            h(
              "tr",
              { "data-reason": d.reason, class: d.count > 0 ? "nonzero" : undefined },
              h("td", null, tDynamic(`drop.${d.reason}`, d.reason)),
              h("td", { class: "num" }, formatCount(d.count)),
            ),
          ),
        ),
      ),
      s.counters.length === 0
        ? null
        : [
            h("h2", null, t("health.stages")),
            h(
              "table",
              { class: "table", "data-testid": "counters" },
              h(
                "tbody",
                null,
                s.counters.map((c) =>
                  h(
                    "tr",
                    { "data-counter": c.name },
                    h("td", null, tDynamic(`counter.${c.name}`, c.name)),
                    h("td", { class: "num" }, formatCount(c.count)),
                  ),
                ),
              ),
            ),
          ],
    );
  };
  const load = async () => {
    try {
      const s = await getHealth();
      if (!stopped) show(s);
    } catch (err) {
      if (!stopped) showError(box, err, load);
    }
  };
  showLoading(box);
  void load();
  const timer = setInterval(load, REFRESH_MS);
  const unsub = subscribeAll(throttle(load, 1000));
  return () => {
    stopped = true;
    clearInterval(timer);
    unsub();
  };
}
