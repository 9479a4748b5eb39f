/**
 * A line chart drawn as SVG: time on x, a value on y, an optional limit line.
 * The scale maths (niceTicks, timeTicks) are pure so they can be checked alone.
 */
import { svg } from "./dom.js";

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
 * Tick times on round local minutes/hours/days covering [from, to].
 * @param {number} from
 * @param {number} to
 * @param {number} count
 * @returns {number[]}
 */
export function timeTicks(from, to, count) {
  const span = Math.max(1, to - from);
  const step = TIME_STEPS_MS.find((s) => span / s <= count) ?? 86_400_000 * 7;
  const offsetMs = new Date(from).getTimezoneOffset() * 60_000;
  const first = Math.ceil((from - offsetMs) / step) * step + offsetMs;
  const ticks = [];
  for (let v = first; v <= to; v += step) ticks.push(v);
  return ticks;
}

/**
 * @param {{
 *   points: Point[],
 *   from: number,
 *   to: number,
 *   limit?: number | undefined,
 *   formatY: (v: number) => string,
 *   formatX: (ms: number) => string,
 *   label: string,
 *   width?: number,
 *   height?: number,
 * }} opts
 * @returns {SVGElement}
 */
export function lineChart(opts) {
  const width = opts.width ?? 720;
  const height = opts.height ?? 280;
  const pad = { left: 64, right: 12, top: 12, bottom: 28 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const values = opts.points.map((p) => p[1]);
  const maxV = Math.max(1, ...values, (opts.limit ?? 0) * 1.1);
  const yTicks = niceTicks(0, maxV, 5);
  const yMax = Math.max(maxV, yTicks[yTicks.length - 1] ?? maxV);
  /** @param {number} ms */
  const x = (ms) => pad.left + ((ms - opts.from) / Math.max(1, opts.to - opts.from)) * plotW;
  /** @param {number} v */
  const y = (v) => pad.top + plotH - (v / yMax) * plotH;

  const grid = yTicks.map((v) =>
    svg(
      "g",
      { class: "tick" },
      svg("line", { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v) }),
      svg("text", { x: pad.left - 6, y: y(v) + 4, "text-anchor": "end" }, opts.formatY(v)),
    ),
  );
  const xTicks = timeTicks(opts.from, opts.to, 6).map((ms) =>
    svg(
      "g",
      { class: "tick" },
      svg("line", { x1: x(ms), x2: x(ms), y1: pad.top + plotH, y2: pad.top + plotH + 4 }),
      svg("text", { x: x(ms), y: height - 8, "text-anchor": "middle" }, opts.formatX(ms)),
    ),
  );
  const sorted = [...opts.points].sort((a, b) => a[0] - b[0]);
  const path = sorted
    .map((p, i) => `${i === 0 ? "M" : "L"}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`)
    .join("");
  const area =
    sorted.length > 1
      ? `${path}L${x(sorted[sorted.length - 1]?.[0] ?? 0).toFixed(1)},${y(0)}L${x(sorted[0]?.[0] ?? 0).toFixed(1)},${y(0)}Z`
      : "";
  return svg(
    "svg",
    {
      class: "chart",
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-label": opts.label,
    },
    svg("title", null, opts.label),
    grid,
    svg("line", {
      class: "axis",
      x1: pad.left,
      x2: width - pad.right,
      y1: pad.top + plotH,
      y2: pad.top + plotH,
    }),
    xTicks,
    area ? svg("path", { class: "area", d: area }) : null,
    path ? svg("path", { class: "line", d: path }) : null,
    sorted.length === 1
      ? svg("circle", {
          class: "dot",
          cx: x(sorted[0]?.[0] ?? 0),
          cy: y(sorted[0]?.[1] ?? 0),
          r: 3,
        })
      : null,
    opts.limit !== undefined
      ? svg("line", {
          class: "limit",
          x1: pad.left,
          x2: width - pad.right,
          y1: y(opts.limit),
          y2: y(opts.limit),
        })
      : null,
  );
}
