/** Formatting of numbers and times for display, in the current language. */
import { lang, t } from "./i18n.js";

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

/**
 * "3 min ago"; `now` is passed in so one render uses one clock reading.
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

/** A duration in seconds, e.g. "5 min". @param {number} s */
export function formatDuration(s) {
  if (!Number.isFinite(s)) return "–";
  if (s < 60) return t("time.seconds", { n: Math.round(s) });
  if (s < 3600) return t("time.minutes", { n: Math.floor(s / 60) });
  if (s < 86_400) return t("time.hours", { n: Math.floor(s / 3600) });
  return t("time.days", { n: Math.floor(s / 86_400) });
}

/** @param {number | undefined} mv */
export function formatBattery(mv) {
  return mv === undefined ? "–" : `${(mv / 1000).toFixed(2)} V`;
}

/** @param {number} n */
export function formatCount(n) {
  return n.toLocaleString(locale());
}
