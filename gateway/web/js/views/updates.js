/**
 * Firmware updates: each campaign (status, stage, counts) and its devices one
 * by one: queued, transferring with a percent bar, verifying, switched,
 * reported, rolled back or failed with the reason, or held (alarm, sounding,
 * port near its limit). Pause, resume and abort. Refreshed on the gateway's
 * `ota` events and every few seconds.
 */
import { controlCampaign, listCampaigns } from "../api.js";
import { h, replace } from "../dom.js";
import { t, tDynamic } from "../i18n.js";
import { subscribeAll } from "../live.js";
import { showError, showLoading, throttle } from "./common.js";

/** @typedef {import("../models.js").Campaign} Campaign */
/** @typedef {import("../models.js").OtaDevice} OtaDevice */

const REFRESH_MS = 5000;
const STATE_CLASS = /** @type {Record<string, string>} */ ({
  reported: "st-ok",
  switched: "st-ok",
  "rolled-back": "st-bad",
  failed: "st-bad",
});

/** @type {import("../app.js").View} */
export function updatesView(root) {
  const box = h("div", { "data-testid": "updates" });
  const message = h("p", { class: "muted", "data-testid": "updates-message", role: "status" });
  root.append(h("h1", null, t("updates.title")), message, box);
  let stopped = false;

  /** @param {Campaign} c @param {"pause" | "resume" | "abort"} op */
  const act = async (c, op) => {
    try {
      await controlCampaign(c.id, op);
      message.textContent = t(`updates.done.${op}`, { id: c.id });
    } catch (err) {
      message.textContent = t("app.error", {
        reason: err instanceof Error ? err.message : String(err),
      });
    }
    await load();
  };

  /** @param {Campaign} c */
  const card = (c) => {
    const running = c.status === "running";
    const paused = c.status === "paused";
    const counts = Object.entries(c.counts)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${tDynamic(`updates.state.${k}`, k)}`)
      .join(" · ");
    const selector = Object.entries(c.selector)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    return h(
      "section",
      { class: "card", "data-campaign": c.id },
      h(
        "div",
        { class: "title-row" },
        h("h2", null, `${c.id} → ${c.version}`),
        h(
          "span",
          {
            class: `badge ${running ? "st-ok" : paused ? "warn" : ""}`,
            "data-testid": "campaign-status",
          },
          tDynamic(`updates.status.${c.status}`, c.status),
        ),
      ),
      h(
        "p",
        { class: "muted" },
        [selector, t("updates.stage", { stage: c.stage }), counts, c.why ?? ""]
          .filter(Boolean)
          .join(" · "),
      ),
      running || paused
        ? h(
            "p",
            null,
            running
              ? h("button", { type: "button", onclick: () => act(c, "pause") }, t("updates.pause"))
              : h(
                  "button",
                  { type: "button", onclick: () => act(c, "resume") },
                  t("updates.resume"),
                ),
            " ",
            h(
              "button",
              { type: "button", class: "danger", onclick: () => act(c, "abort") },
              t("updates.abort"),
            ),
          )
        : null,
      h(
        "table",
        null,
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            h("th", null, t("updates.device")),
            h("th", null, t("updates.stageCol")),
            h("th", null, t("updates.progress")),
            h("th", null, t("updates.detail")),
          ),
        ),
        h(
          "tbody",
          null,
          c.devices.map((d) => deviceRow(d, c.held.get(d.deviceId))),
        ),
      ),
    );
  };

  const load = async () => {
    try {
      const campaigns = await listCampaigns();
      if (stopped) return;
      replace(
        box,
        campaigns.length === 0
          ? h("p", { class: "muted", "data-testid": "no-campaigns" }, t("updates.empty"))
          : [...campaigns].reverse().map(card),
      );
    } catch (err) {
      if (!stopped) showError(box, err, load);
    }
  };
  showLoading(box);
  load();
  const refresh = throttle(load, 300);
  const unsub = subscribeAll((type) => {
    if (type === "ota") refresh();
  });
  const timer = setInterval(load, REFRESH_MS);
  return () => {
    stopped = true;
    unsub();
    clearInterval(timer);
  };
}

/** @param {OtaDevice} d @param {string | undefined} held */
function deviceRow(d, held) {
  const label = tDynamic(`updates.state.${d.state}`, d.state);
  const progress =
    d.state === "transferring"
      ? h(
          "span",
          null,
          h("progress", { max: "100", value: String(d.percent) }),
          ` ${label} ${d.percent} %`,
        )
      : h("span", { class: `badge ${STATE_CLASS[d.state] ?? ""}` }, label);
  return h(
    "tr",
    { "data-device": d.deviceId, "data-state": d.state },
    h("td", { class: "mono" }, d.deviceId),
    h("td", { class: "num" }, String(d.stage)),
    h("td", { "data-testid": "progress" }, progress),
    h(
      "td",
      { "data-testid": "detail" },
      d.reason ?? (held ? t("updates.held", { why: held }) : ""),
    ),
  );
}
