/**
 * The installer page's shell: header (tabs, live indicator, language, log out)
 * and a hash router that renders one view at a time into <main>.
 */
import { h, replace } from "./dom.js";
import { lang, onLangChange, setLang, t } from "./i18n.js";
import { liveState, onLiveState, startLive, stopLive } from "./live.js";
import { clearToken, onUnauthorized, token } from "./session.js";
import { deviceView } from "./views/device.js";
import { devicesView } from "./views/devices.js";
import { healthView } from "./views/health.js";
import { loginView } from "./views/login.js";
import { pendingView } from "./views/pending.js";
import { reportsView } from "./views/reports.js";
import { updatesView } from "./views/updates.js";

/** @typedef {{ query: URLSearchParams, navigate: (hash: string) => void }} RouteCtx */
/** @typedef {(root: HTMLElement, ctx: RouteCtx) => (void | (() => void))} View */

/** @type {Record<string, View>} */
const routes = {
  login: loginView,
  devices: devicesView,
  device: deviceView,
  pending: pendingView,
  reports: reportsView,
  health: healthView,
  updates: updatesView,
};
const TABS = /** @type {const} */ ([
  ["devices", "nav.devices"],
  ["pending", "nav.pending"],
  ["reports", "nav.reports"],
  ["updates", "nav.updates"],
  ["health", "nav.health"],
]);

const header = /** @type {HTMLElement} */ (document.getElementById("header"));
const main = /** @type {HTMLElement} */ (document.getElementById("view"));
/** @type {(() => void) | void} */
let cleanup;
/** @type {(() => void) | undefined} */
let liveStateUnsub;

/** @param {string} hash */
function navigate(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

function render() {
  if (cleanup) cleanup();
  cleanup = undefined;
  const raw = location.hash.replace(/^#\/?/, "");
  const [name = "", queryText = ""] = raw.split("?");
  const signedIn = token() !== "";
  if (!signedIn && name !== "login") {
    location.replace("#/login");
    return;
  }
  const view = routes[name];
  if (!view || (signedIn && name === "login")) {
    location.replace("#/devices");
    return;
  }
  if (signedIn) startLive();
  renderHeader(name);
  main.replaceChildren();
  main.dataset.view = name;
  cleanup = view(main, { query: new URLSearchParams(queryText), navigate });
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
    h("span", { class: "brand" }, t("app.title")),
    signedIn
      ? h(
          "nav",
          null,
          TABS.map(([name, key]) =>
            h("a", { href: `#/${name}`, class: current === name ? "active" : undefined }, t(key)),
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

function logout() {
  clearToken();
  stopLive();
  navigate("#/login");
}

onUnauthorized(() => {
  if (!token() || location.hash.startsWith("#/login")) return;
  clearToken();
  stopLive();
  sessionStorage.setItem("haitang.expired", "1");
  navigate("#/login");
});
onLangChange(render);
window.addEventListener("hashchange", render);
render();
