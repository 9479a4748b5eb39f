/**
 * Commissioned devices: kind, location, last seen, battery, signal, firmware
 * version, status ("installed, not yet heard" until the first frame arrives).
 */
import { listDevices } from "../api.js";
import { h, replace } from "../dom.js";
import { formatAgo, formatBattery } from "../format.js";
import { t, tDynamic } from "../i18n.js";
import { subscribeAll } from "../live.js";
import { kindName, showError, showLoading, signal, throttle } from "./common.js";

/** @typedef {import("../models.js").Device} Device */

/** Below this a battery device is flagged (smoke detectors report low battery themselves too). */
const LOW_BATTERY_MV = 2600;

/** @type {import("../app.js").View} */
export function devicesView(root) {
  const search = h("input", {
    type: "search",
    placeholder: t("devices.filter"),
    "aria-label": t("devices.filter"),
    oninput: () => show(),
  });
  const count = h("span", { class: "muted" });
  const box = h("div", { "data-testid": "devices" });
  root.append(
    h("div", { class: "title-row" }, h("h1", null, t("devices.title")), count, search),
    box,
  );
  let stopped = false;
  /** @type {Device[]} */
  let devices = [];

  const show = () => {
    const q = search.value.trim().toLowerCase();
    const shown = devices.filter(
      (d) =>
        !q ||
        [d.deviceId, d.kind, kindName(d.kind), d.building, d.location, d.shed, d.firmware]
          .filter(Boolean)
          .some((s) => String(s).toLowerCase().includes(q)),
    );
    count.textContent = t("devices.count", { n: shown.length });
    if (devices.length === 0) {
      replace(box, h("p", { class: "muted" }, t("devices.empty")));
      return;
    }
    const now = Date.now();
    replace(
      box,
      h(
        "table",
        { class: "table responsive" },
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            [
              "devices.id",
              "devices.kind",
              "devices.location",
              "devices.lastSeen",
              "devices.battery",
            ]
              .concat(["devices.signal", "devices.firmware", "devices.status"])
              .map((k) => h("th", null, tDynamic(k, k))),
          ),
        ),
        h(
          "tbody",
          null,
          shown.map((d) =>
            h(
              "tr",
              { "data-device": d.deviceId },
              cell(
                "devices.id",
                h(
                  "a",
                  { href: `#/device?id=${encodeURIComponent(d.deviceId)}` },
                  h("code", null, d.deviceId),
                ),
              ),
              // How a battery detector is reached: the interlink's latency and its battery
              // depend on it.
              cell("devices.kind", [
                kindName(d.kind),
                d.listening
                  ? h(
                      "span",
                      { class: "muted", "data-testid": "listening" },
                      ` · ${tDynamic(`devices.listening.${d.listening}`, d.listening)}`,
                    )
                  : null,
              ]),
              cell(
                "devices.location",
                [d.building, d.location, d.shed].filter(Boolean).join(" · ") || "–",
              ),
              cell("devices.lastSeen", formatAgo(d.lastSeen, now)),
              cell(
                "devices.battery",
                h(
                  "span",
                  {
                    class:
                      d.batteryMv !== undefined && d.batteryMv < LOW_BATTERY_MV
                        ? "warn"
                        : undefined,
                  },
                  formatBattery(d.batteryMv),
                ),
              ),
              cell("devices.signal", signal(d.rssiDbm)),
              cell("devices.firmware", d.firmware ?? "–"),
              cell("devices.status", statusText(d, now)),
            ),
          ),
        ),
      ),
    );
  };
  const load = async () => {
    try {
      devices = await listDevices();
      devices.sort((a, b) => a.deviceId.localeCompare(b.deviceId));
      if (!stopped) show();
    } catch (err) {
      if (!stopped) showError(box, err, load);
    }
  };
  showLoading(box);
  void load();
  const refresh = throttle(load, 2000);
  const unsub = subscribeAll(refresh);
  return () => {
    stopped = true;
    unsub();
  };
}

/**
 * Active, decommissioned, or installed but never heard (an active device no frame
 * has come from yet), with how long ago it was registered.
 * @param {Device} d @param {number} now
 */
function statusText(d, now) {
  if (d.status === "active" && d.lastSeen === undefined)
    return h(
      "span",
      { class: "warn", "data-testid": "not-heard" },
      t("devices.status.notHeard", { when: formatAgo(d.registeredAt, now) }),
    );
  return tDynamic(`devices.status.${d.status}`, d.status);
}

/**
 * A table cell that carries its column name, shown as a label on narrow screens.
 * @param {string} key
 * @param {import("../dom.js").Child | import("../dom.js").Child[]} content
 */
function cell(key, content) {
  return h("td", { "data-label": tDynamic(key, key) }, content);
}
