/**
 * Buildings of a site (issue 13): building -> floors (top first) -> flats, each
 * smoke detector's state and whether it sounds because of the interlink; a
 * fire marks the detector that started it. Guardian residents of a building
 * show their welfare state, last activity and open welfare alarm (no more
 * personal detail than the grid worker needs). Reloads on live alarm events.
 */
import { getBuildings } from "../api.js";
import { h, replace } from "../dom.js";
import { formatAgo } from "../format.js";
import { t, tDynamic } from "../i18n.js";
import { subscribe } from "../live.js";
import { loadSiteNames, siteLabel } from "../site-names.js";
import { showError, showLoading } from "./common.js";
import { debounce } from "./sites.js";

/** @typedef {Awaited<ReturnType<typeof getBuildings>>[number]} Building */

/** @type {import("../app.js").View} */
export function buildingsView(root, ctx) {
  const site = ctx.params[0] ?? "";
  const body = h("div", { "data-testid": "buildings" });
  const heading = h("h1", null, t("buildings.title", { site: siteLabel(site) }));
  root.append(
    h(
      "div",
      { class: "title-row" },
      heading,
      h("a", { class: "button", href: `#/site/${encodeURIComponent(site)}` }, t("app.back")),
    ),
    body,
  );
  let stopped = false;
  void loadSiteNames().then(() => {
    if (!stopped) heading.textContent = t("buildings.title", { site: siteLabel(site) });
  });
  const load = async () => {
    try {
      const list = await getBuildings(site);
      if (!stopped) show(list);
    } catch (err) {
      if (!stopped) showError(body, err, load);
    }
  };
  /** @param {Building[]} list */
  const show = (list) => {
    const now = Date.now();
    if (list.length === 0) {
      replace(body, h("p", { class: "muted" }, t("buildings.empty")));
      return;
    }
    replace(
      body,
      list.map((b) => buildingCard(site, b, now)),
    );
  };
  showLoading(body);
  void load();
  const unsubs = [
    subscribe("alarm", debounce(load, 300)),
    subscribe("resident", debounce(load, 300)),
  ];
  return () => {
    stopped = true;
    for (const u of unsubs) u();
  };
}

/** @param {string} site @param {Building} b @param {number} now */
function buildingCard(site, b, now) {
  return h(
    "section",
    { class: `card building${b.fire ? " building-fire" : ""}`, "data-building": b.building },
    h("h2", null, t("buildings.building", { id: b.building })),
    b.floors.map((f) =>
      h(
        "div",
        { class: "floor", "data-floor": f.floor },
        h(
          "h3",
          null,
          f.floor === "?" ? t("buildings.noFloor") : t("buildings.floor", { n: f.floor }),
        ),
        h(
          "div",
          { class: "flats" },
          f.flats.map((fl) =>
            h(
              "div",
              { class: "flat", "data-flat": fl.flat },
              h("strong", null, fl.flat),
              fl.detectors.map((d) =>
                h(
                  "div",
                  {
                    class: `detector ds-${d.state}${d.sounding ? " ds-sounding" : ""}`,
                    "data-device": d.deviceId,
                    "data-state": d.state,
                    "data-sounding": String(d.sounding),
                    "data-started": String(d.started),
                  },
                  h("span", { class: "badge" }, tDynamic(`detector.${d.state}`, d.state)),
                  d.started ? h("strong", null, ` ${t("buildings.started")}`) : null,
                  d.sounding ? h("span", null, ` ${t("buildings.sounding")}`) : null,
                  h("span", { class: "muted" }, ` ${d.location ?? d.deviceId}`),
                  d.alarmId
                    ? h(
                        "a",
                        {
                          href: `#/alarm/${encodeURIComponent(site)}/${encodeURIComponent(d.alarmId)}`,
                        },
                        ` ${t("buildings.alarm")}`,
                      )
                    : null,
                ),
              ),
            ),
          ),
        ),
      ),
    ),
    b.residents.length > 0
      ? h(
          "div",
          { class: "residents", "data-testid": "residents" },
          h("h3", null, t("buildings.residents")),
          b.residents.map((r) =>
            h(
              "p",
              { "data-device": r.deviceId, "data-state": r.state },
              h("span", { class: "badge" }, tDynamic(`resident.${r.state}`, r.state)),
              ` ${r.location ?? r.deviceId} · ${t("buildings.lastActivity", { when: formatAgo(r.lastActivityAt, now) })}`,
              r.alarmId
                ? h(
                    "a",
                    {
                      href: `#/alarm/${encodeURIComponent(site)}/${encodeURIComponent(r.alarmId)}`,
                    },
                    ` ${t("buildings.welfareAlarm")}`,
                  )
                : null,
            ),
          ),
        )
      : null,
  );
}
