/**
 * Fire first (issue 13): while any site the token sees has an active critical
 * alarm, every page shows a banner at the top (what, where, since when,
 * acknowledged or not, linking to the alarm), the tab title and favicon turn
 * to fire, and, when the page is allowed to, a tone sounds and a desktop
 * notification appears for each new unacknowledged one. Live alarm events
 * update it in place; the initial list comes from the fleet API.
 */
import { listAlarms } from "../api.js";
import { h, replace } from "../dom.js";
import { formatAgo, formatTime } from "../format.js";
import { t } from "../i18n.js";
import { subscribe } from "../live.js";
import { toAlarm } from "../models.js";
import { loadSiteNames } from "../site-names.js";
import { alarmWhere, kindName } from "./common.js";

/** @typedef {import("../models.js").Alarm} Alarm */

const FIRE_ICON =
  "data:image/svg+xml," +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#c62828"/><path d="M8 2c1 3 4 4 4 8a4 4 0 0 1-8 0c0-2 1-3 2-4 0 2 1 3 2 3-1-2 0-5 0-7z" fill="#fff"/></svg>',
  );

/** Active critical alarms by site/alarmId. @type {Map<string, Alarm>} */
const open = new Map();
/** Alarms already announced by tone/notification in this tab. */
const announced = new Set();
let baseTitle = "";
/** @type {HTMLLinkElement | null} */
let icon = null;
let baseIcon = "";
/** @type {HTMLElement | undefined} */
let root;
/** @type {AudioContext | undefined} */
let audio;
/** @type {Array<() => void>} */
let unsubs = [];
/** @type {ReturnType<typeof setInterval> | undefined} */
let tick;

/** @param {Alarm} a */
const keyOf = (a) => `${a.site}/${a.alarmId}`;

/**
 * Starts watching (idempotent); `el` is the banner's place above the page.
 * @param {HTMLElement} el
 */
export function startFireBanner(el) {
  root = el;
  if (unsubs.length > 0) {
    render();
    return;
  }
  baseTitle = document.title;
  icon = document.querySelector('link[rel="icon"]');
  baseIcon = icon?.getAttribute("href") ?? "";
  unsubs = [subscribe("alarm", (data) => apply(toAlarm(data)))];
  // The browser lets a page make sound only after the person interacted with it.
  document.addEventListener("pointerdown", unlockAudio, { once: true });
  tick = setInterval(render, 30_000);
  void load();
}

export function stopFireBanner() {
  for (const u of unsubs) u();
  unsubs = [];
  if (tick) clearInterval(tick);
  open.clear();
  render();
}

async function load() {
  try {
    const [alarms] = await Promise.all([
      listAlarms({ active: true, severity: "critical" }),
      loadSiteNames(),
    ]);
    for (const a of alarms) if (a.severity === "critical") open.set(keyOf(a), a);
    // Alarms already open when the page loads are shown, not announced again.
    for (const k of open.keys()) announced.add(k);
    render();
  } catch {
    // The page's own view shows load errors; the banner retries on the next event.
  }
}

/** @param {Alarm} a */
function apply(a) {
  const k = keyOf(a);
  if (a.active && a.severity === "critical") {
    open.set(k, a);
    if (!a.acknowledged && !announced.has(k)) {
      announced.add(k);
      announce(a);
    }
  } else open.delete(k);
  render();
}

function render() {
  const list = [...open.values()].sort((x, y) => x.raisedAt - y.raisedAt);
  const fire = list.length > 0;
  document.title = fire ? `${t("banner.titlePrefix", { n: list.length })} ${baseTitle}` : baseTitle;
  if (icon) icon.setAttribute("href", fire ? FIRE_ICON : baseIcon);
  if (!root) return;
  root.hidden = !fire;
  if (!fire) {
    root.replaceChildren();
    return;
  }
  const now = Date.now();
  replace(
    root,
    h(
      "div",
      { class: "fire-banner", role: "alert", "data-testid": "fire-banner" },
      list.map((a) =>
        h(
          "a",
          {
            class: `fire-item${a.acknowledged ? " acked" : ""}`,
            href: `#/alarm/${encodeURIComponent(a.site)}/${encodeURIComponent(a.alarmId)}`,
            "data-alarm-id": a.alarmId,
            "data-kind": a.kind,
          },
          h("strong", { class: "fire-kind" }, kindName(a.kind)),
          h("span", { "data-testid": "banner-where" }, alarmWhere(a)),
          h(
            "span",
            null,
            t("banner.since", { time: formatTime(a.raisedAt), ago: formatAgo(a.raisedAt, now) }),
          ),
          h(
            "span",
            { class: "badge", "data-testid": "banner-acked" },
            a.acknowledged ? t("alarms.acknowledged") : t("alarms.unacknowledged"),
          ),
        ),
      ),
      canAsk()
        ? h(
            "button",
            {
              type: "button",
              class: "link",
              onclick: askPermission,
              "data-testid": "banner-allow",
            },
            t("banner.allow"),
          )
        : null,
    ),
  );
}

function canAsk() {
  return "Notification" in window && Notification.permission === "default";
}

async function askPermission() {
  unlockAudio();
  try {
    await Notification.requestPermission();
  } catch {
    // Some browsers refuse outside a secure context; the banner still shows.
  }
  render();
}

function unlockAudio() {
  try {
    audio ??= new AudioContext();
    void audio.resume();
  } catch {
    audio = undefined;
  }
}

/** A tone (three short beeps) and a desktop notification, where allowed. @param {Alarm} a */
function announce(a) {
  if (audio && audio.state === "running") {
    const start = audio.currentTime;
    for (let i = 0; i < 3; i++) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.2;
      osc.connect(gain).connect(audio.destination);
      osc.start(start + i * 0.4);
      osc.stop(start + i * 0.4 + 0.25);
    }
  }
  if ("Notification" in window && Notification.permission === "granted") {
    try {
      new Notification(kindName(a.kind), { body: alarmWhere(a), tag: keyOf(a) });
    } catch {
      // A notification that cannot be shown leaves the banner as the signal.
    }
  }
}
