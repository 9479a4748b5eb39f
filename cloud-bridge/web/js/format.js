/** Formatting of numbers and times for display, in the current language. */
import { lang, t } from "./i18n.js";

/** @param {number} watts */
export function formatPower(watts) {
  if (!Number.isFinite(watts)) return "–";
  if (Math.abs(watts) >= 10_000) return `${(watts / 1000).toFixed(1)} kW`;
  return `${Math.round(watts).toLocaleString(locale())} W`;
}

/** @param {number | undefined} celsius */
export function formatTemp(celsius) {
  if (celsius === undefined || !Number.isFinite(celsius)) return "–";
  return `${celsius.toFixed(1)} °C`;
}

function locale() {
  return lang() === "zh" ? "zh-CN" : "en-GB";
}

/** @param {number | undefined} ms */
export function formatDateTime(ms) {
  if (ms === undefined || !Number.isFinite(ms)) return t("app.never");
  return new Date(ms).toLocaleString(locale(), {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

/** @param {number} ms */
export function formatDate(ms) {
  return new Date(ms).toLocaleDateString(locale(), {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  });
}

/** @param {number} ms */
export function formatTime(ms) {
  return new Date(ms).toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" });
}

/**
 * "3 min ago"; `now` is passed in so a caller can render a consistent snapshot.
 * @param {number | undefined} ms
 * @param {number} now
 */
export function formatAgo(ms, now) {
  if (ms === undefined || !Number.isFinite(ms)) return t("app.never");
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return t("time.secondsAgo", { n: s });
  if (s < 3600) return t("time.minutesAgo", { n: Math.floor(s / 60) });
  if (s < 86_400) return t("time.hoursAgo", { n: Math.floor(s / 3600) });
  return t("time.daysAgo", { n: Math.floor(s / 86_400) });
}
