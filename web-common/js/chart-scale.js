/**
 * The pure maths of the time charts (chart.js): round ticks, time ticks, the
 * layout for a width, and the nearest point to a time. No DOM here, so a unit
 * test checks it alone.
 */

/** @typedef {[number, number]} Point */

/**
 * Round tick values from min up to at least max, about `count` steps of 1, 2 or 5 × 10^n.
 * @param {number} min
 * @param {number} max
 * @param {number} count
 * @returns {number[]}
 */
export function niceTicks(min, max, count) {
  if (!(max > min)) return [min];
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  const ticks = [];
  // The last tick is the first one at or above `max`, so the scale covers every value.
  for (let v = Math.ceil(min / step) * step; ; v += step) {
    ticks.push(Math.round(v / step) * step);
    if (v >= max - step * 1e-9) break;
  }
  return ticks;
}

const TIME_STEPS_MS = [
  60_000,
  5 * 60_000,
  10 * 60_000,
  15 * 60_000,
  30 * 60_000,
  3_600_000,
  2 * 3_600_000,
  3 * 3_600_000,
  6 * 3_600_000,
  12 * 3_600_000,
  86_400_000,
  2 * 86_400_000,
];

/**
 * Tick times on round local minutes/hours/days covering [from, to], at most `count` of them.
 * `offsetMin` is the local zone's offset (Date#getTimezoneOffset) so days start at local midnight.
 * @param {number} from
 * @param {number} to
 * @param {number} count
 * @param {number} [offsetMin]
 * @returns {number[]}
 */
export function timeTicks(from, to, count, offsetMin = new Date(from).getTimezoneOffset()) {
  const span = Math.max(1, to - from);
  const step = TIME_STEPS_MS.find((s) => span / s <= count) ?? 86_400_000 * 7;
  const offsetMs = offsetMin * 60_000;
  const first = Math.ceil((from - offsetMs) / step) * step + offsetMs;
  const ticks = [];
  for (let v = first; v <= to; v += step) ticks.push(v);
  return ticks;
}

/**
 * Margins, tick counts and font size for a chart `width` CSS pixels wide. The chart is drawn at
 * its real width (one SVG unit = one CSS pixel), so the axis text keeps its size on a phone;
 * a narrow chart gets fewer ticks instead of smaller text.
 * @param {number} width
 */
export function chartLayout(width) {
  const narrow = width < 520;
  return {
    narrow,
    fontPx: narrow ? 12 : 12.5,
    pad: { left: narrow ? 62 : 70, right: narrow ? 10 : 14, top: 14, bottom: 30 },
    xTicks: narrow ? 3 : width < 800 ? 5 : 7,
    yTicks: narrow ? 4 : 5,
    height: narrow ? 220 : 300,
  };
}

/**
 * Index of the point nearest in time to `ms` in points sorted by time, or -1 when there are none.
 * @param {Point[]} sorted
 * @param {number} ms
 */
export function nearestIndex(sorted, ms) {
  if (sorted.length === 0) return -1;
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid]?.[0] ?? 0) < ms) lo = mid + 1;
    else hi = mid;
  }
  const before = sorted[lo - 1];
  const at = sorted[lo];
  if (before && at && ms - before[0] <= at[0] - ms) return lo - 1;
  return lo;
}

/** The time ranges a chart offers, shortest first. */
export const CHART_RANGES_MS = {
  "1h": 3_600_000,
  "6h": 6 * 3_600_000,
  "24h": 24 * 3_600_000,
  "7d": 7 * 86_400_000,
};

/**
 * The range key named in a URL, or `fallback` when it names none.
 * @param {string | null} text
 * @param {keyof typeof CHART_RANGES_MS} fallback
 * @returns {keyof typeof CHART_RANGES_MS}
 */
export function rangeKeyOf(text, fallback) {
  return text !== null && Object.hasOwn(CHART_RANGES_MS, text)
    ? /** @type {keyof typeof CHART_RANGES_MS} */ (text)
    : fallback;
}
