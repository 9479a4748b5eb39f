/**
 * The dashboard's shell: header (navigation, live indicator, language, log out)
 * and a hash router that renders one view at a time into <main>.
 */
import { h, replace } from "./dom.js";
import { lang, onLangChange, setLang, t } from "./i18n.js";
import { liveState, onLiveState, startLive, stopLive } from "./live.js";
import { clearToken, onUnauthorized, token } from "./session.js";
import { forgetSiteNames } from "./site-names.js";
import { alarmView } from "./views/alarm.js";
import { alarmsView } from "./views/alarms.js";
import { buildingsView } from "./views/buildings.js";
import { cockpitView } from "./views/cockpit.js";
import { startFireBanner, stopFireBanner } from "./views/fire-banner.js";
import { historyView } from "./views/history.js";
import { loginView } from "./views/login.js";
import { ordersView } from "./views/orders.js";
import { reportView } from "./views/report.js";
import { residentsView } from "./views/residents.js";
import { shedView } from "./views/shed.js";
import { siteView } from "./views/site.js";
import { siteOrdersView } from "./views/site-orders.js";
import { sitesView } from "./views/sites.js";
import { snapView } from "./views/snap.js";

/** @typedef {{ params: string[], query: URLSearchParams, navigate: (hash: string) => void }} RouteCtx */
/** @typedef {(root: HTMLElement, ctx: RouteCtx) => (void | (() => void))} View */

/** @type {Array<[string, View]>} */
const routes = [
  ["login", loginView],
  ["sites", sitesView],
  ["site/:site", siteView],
  ["shed/:site/:device", shedView],
  ["history/:site/:device", historyView],
  ["alarms", alarmsView],
  ["alarm/:site/:id", alarmView],
  ["report/:site", reportView],
  ["residents/:site", residentsView],
  ["buildings/:site", buildingsView],
  ["orders", ordersView],
  ["cockpit", cockpitView],
  ["work-orders/:site", siteOrdersView],
  ["snap/:site", snapView],
];

/** Pages open without a token: a resident's report comes through the site link alone. */
const PUBLIC = new Set(["snap"]);

const header = /** @type {HTMLElement} */ (document.getElementById("header"));
const main = /** @type {HTMLElement} */ (document.getElementById("view"));
const banner = /** @type {HTMLElement} */ (document.getElementById("banner"));
/** @type {(() => void) | void} */
let cleanup;

/** @param {string} hash */
function navigate(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

/** @param {string} path */
function match(path) {
  const parts = path.split("/").filter(Boolean);
  for (const [pattern, view] of routes) {
    const pp = pattern.split("/");
    if (pp.length !== parts.length) continue;
    /** @type {string[]} */
    const params = [];
    let ok = true;
    pp.forEach((p, i) => {
      const part = decodeURIComponent(parts[i] ?? "");
      if (p.startsWith(":")) params.push(part);
      else if (p !== part) ok = false;
    });
    if (ok) return { view, params, name: pp[0] ?? "" };
  }
  return undefined;
}

function render() {
  if (cleanup) cleanup();
  cleanup = undefined;
  const raw = location.hash.replace(/^#\/?/, "");
  const [path = "", queryText = ""] = raw.split("?");
  const signedIn = token() !== "";
  const found = match(path);
  const isPublic = PUBLIC.has(found?.name ?? "");
  if (!signedIn && found?.name !== "login" && !isPublic) {
    location.replace("#/login");
    return;
  }
  if (!found || (signedIn && found.name === "login")) {
    location.replace("#/sites");
    return;
  }
  if (signedIn && !isPublic) {
    startLive();
    startFireBanner(banner);
  }
  renderHeader(found.name);
  main.replaceChildren();
  main.dataset.view = found.name;
  cleanup = found.view(main, {
    params: found.params,
    query: new URLSearchParams(queryText),
    navigate,
  });
}

/** @param {string} current */
function renderHeader(current) {
  const signedIn = token() !== "";
  const live = h("span", { class: "live", "data-testid": "live" });
  const showLive = () => {
    const s = liveState();
    live.className = `live live-${s}`;
    live.textContent = s === "open" ? t("app.live") : t("app.reconnecting");
  };
  showLive();
  replace(
    header,
    h("a", { class: "brand", href: signedIn ? "#/sites" : "#/login" }, t("app.title")),
    signedIn
      ? h(
          "nav",
          null,
          h(
            "a",
            { href: "#/sites", class: current.startsWith("site") ? "active" : undefined },
            t("nav.sites"),
          ),
          h(
            "a",
            { href: "#/alarms", class: current.startsWith("alarm") ? "active" : undefined },
            t("nav.alarms"),
          ),
          h(
            "a",
            { href: "#/cockpit", class: current === "cockpit" ? "active" : undefined },
            t("nav.cockpit"),
          ),
          h(
            "a",
            { href: "#/orders", class: current === "orders" ? "active" : undefined },
            t("nav.orders"),
          ),
        )
      : null,
    h("span", { class: "spacer" }),
    signedIn ? live : null,
    h(
      "button",
      {
        class: "link",
        type: "button",
        "data-testid": "lang",
        onclick: () => setLang(lang() === "zh" ? "en" : "zh"),
      },
      t("app.langSwitch"),
    ),
    signedIn
      ? h("button", { class: "link", type: "button", onclick: logout }, t("app.logout"))
      : null,
  );
  liveStateUnsub?.();
  liveStateUnsub = onLiveState(showLive);
}
/** @type {(() => void) | undefined} */
let liveStateUnsub;

function logout() {
  clearToken();
  stopFireBanner();
  forgetSiteNames();
  stopLive();
  navigate("#/login");
}

onUnauthorized(() => {
  if (!token() || location.hash.startsWith("#/login")) return;
  clearToken();
  stopFireBanner();
  stopLive();
  sessionStorage.setItem("haitang.expired", "1");
  navigate("#/login");
});
onLangChange(render);
window.addEventListener("hashchange", render);
render();
