/** ISO 8601 weeks ("2025-W47", weeks start on Monday) in local time. */

const DAY_MS = 86_400_000;

/**
 * The ISO week holding `ms`.
 * @param {number} ms
 */
export function isoWeekOf(ms) {
  const d = new Date(ms);
  d.setHours(12, 0, 0, 0);
  // The Thursday of this week decides the year (ISO 8601 §2.2.10).
  d.setDate(d.getDate() + 3 - ((d.getDay() + 6) % 7));
  const year = d.getFullYear();
  const week = 1 + Math.round((d.getTime() - mondayOfWeek1(year)) / (7 * DAY_MS) - 3 / 7);
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/**
 * Monday 00:00 local time of an ISO week; undefined when `week` is not "YYYY-Www".
 * @param {string} week
 */
export function isoWeekStart(week) {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) return undefined;
  const d = new Date(mondayOfWeek1(Number(m[1])));
  d.setDate(d.getDate() + (Number(m[2]) - 1) * 7);
  return d.getTime();
}

/**
 * The week `delta` weeks after `week`.
 * @param {string} week
 * @param {number} delta
 */
export function addWeeks(week, delta) {
  const start = isoWeekStart(week) ?? Date.now();
  const d = new Date(start);
  d.setDate(d.getDate() + delta * 7 + 3);
  return isoWeekOf(d.getTime());
}

/** @param {number} year */
function mondayOfWeek1(year) {
  // Week 1 is the week with 4 January in it.
  const jan4 = new Date(year, 0, 4);
  jan4.setDate(jan4.getDate() - ((jan4.getDay() + 6) % 7));
  return jan4.getTime();
}
