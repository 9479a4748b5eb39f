/**
 * A time chart drawn as SVG at its real width: time on x, a value on y, an
 * optional limit line, alarm markers on the time axis (each a link to its
 * alarm) and a read-out of the nearest point under the pointer (mouse, pen or
 * finger). The maths is in chart-scale.js.
 */
import { chartLayout, nearestIndex, niceTicks, timeTicks } from "./chart-scale.js";
import { h, svg } from "./dom.js";

/** @typedef {import("./chart-scale.js").Point} Point */
/**
 * One alarm on the time axis.
 * @typedef {{ t: number, id: string, label: string, href: string, severity: string }} ChartMarker
 */
/**
 * @typedef {{
 *   points: Point[],
 *   from: number,
 *   to: number,
 *   limit?: number | undefined,
 *   markers?: ChartMarker[],
 *   formatY: (v: number) => string,
 *   formatX: (ms: number) => string,
 *   formatTipTime: (ms: number) => string,
 *   label: string,
 * }} ChartOptions
 */

/**
 * The chart in a box that redraws itself when its width changes.
 * @param {ChartOptions} opts
 * @returns {HTMLElement}
 */
export function timeChart(opts) {
  const points = [...opts.points].sort((a, b) => a[0] - b[0]);
  const tip = h("div", { class: "chart-tip", "data-testid": "chart-tip", hidden: true });
  const wrap = h("div", { class: "chart-wrap" });
  let drawnWidth = 0;
  const draw = (/** @type {number} */ width) => {
    drawnWidth = width;
    wrap.replaceChildren(drawSvg({ ...opts, points }, width, tip), tip);
  };
  draw(720);
  if (typeof ResizeObserver === "function") {
    const ro = new ResizeObserver(() => {
      if (!wrap.isConnected) {
        ro.disconnect();
        return;
      }
      const w = Math.round(wrap.clientWidth);
      if (w > 0 && Math.abs(w - drawnWidth) >= 8) draw(w);
    });
    ro.observe(wrap);
  }
  return wrap;
}

/**
 * @param {ChartOptions} opts points sorted by time
 * @param {number} width
 * @param {HTMLElement} tip
 * @returns {SVGElement}
 */
function drawSvg(opts, width, tip) {
  const L = chartLayout(width);
  const { pad } = L;
  const height = L.height;
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const sorted = opts.points;
  const maxV = Math.max(1, ...sorted.map((p) => p[1]), (opts.limit ?? 0) * 1.1);
  const yTicks = niceTicks(0, maxV, L.yTicks);
  const yMax = Math.max(maxV, yTicks[yTicks.length - 1] ?? maxV);
  const span = Math.max(1, opts.to - opts.from);
  /** @param {number} ms */
  const x = (ms) => pad.left + ((ms - opts.from) / span) * plotW;
  /** @param {number} v */
  const y = (v) => pad.top + plotH - (v / yMax) * plotH;
  const baseY = pad.top + plotH;
  const font = { "font-size": L.fontPx };

  const grid = yTicks.map((v) =>
    svg(
      "g",
      { class: "tick" },
      svg("line", { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v) }),
      svg("text", { x: pad.left - 6, y: y(v) + 4, "text-anchor": "end", ...font }, opts.formatY(v)),
    ),
  );
  const xTicks = timeTicks(opts.from, opts.to, L.xTicks).map((ms) =>
    svg(
      "g",
      { class: "tick" },
      svg("line", { x1: x(ms), x2: x(ms), y1: baseY, y2: baseY + 4 }),
      svg("text", { x: x(ms), y: height - 9, "text-anchor": "middle", ...font }, opts.formatX(ms)),
    ),
  );
  const path = sorted
    .map((p, i) => `${i === 0 ? "M" : "L"}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`)
    .join("");
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  const area =
    first && last && sorted.length > 1
      ? `${path}L${x(last[0]).toFixed(1)},${baseY}L${x(first[0]).toFixed(1)},${baseY}Z`
      : "";
  const markers = (opts.markers ?? [])
    .filter((m) => m.t >= opts.from && m.t <= opts.to)
    .map((m) =>
      svg(
        "a",
        {
          class: `marker sev-${m.severity}`,
          href: m.href,
          "data-alarm": m.id,
          "data-t": m.t,
          "aria-label": m.label,
        },
        svg("title", null, m.label),
        svg("line", { x1: x(m.t), x2: x(m.t), y1: pad.top, y2: baseY }),
        svg("path", {
          d: `M${x(m.t).toFixed(1)},${baseY - 2}l-7,12h14z`,
          "data-x": x(m.t).toFixed(2),
        }),
        // A finger-sized target around the flag.
        svg("rect", { class: "hit", x: x(m.t) - 12, y: baseY - 6, width: 24, height: 24 }),
      ),
    );
  const cross = svg("line", { class: "cross", y1: pad.top, y2: baseY, visibility: "hidden" });
  const focus = svg("circle", { class: "focus", r: 4.5, visibility: "hidden" });

  const chart = svg(
    "svg",
    {
      class: "chart",
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-label": opts.label,
      "data-from": opts.from,
      "data-to": opts.to,
      "data-plot-left": pad.left,
      "data-plot-width": plotW,
      "data-points": sorted.length,
    },
    svg("title", null, opts.label),
    grid,
    svg("line", { class: "axis", x1: pad.left, x2: width - pad.right, y1: baseY, y2: baseY }),
    xTicks,
    area ? svg("path", { class: "area", d: area }) : null,
    path ? svg("path", { class: "line", d: path }) : null,
    sorted.length === 1 && first
      ? svg("circle", { class: "dot", cx: x(first[0]), cy: y(first[1]), r: 3 })
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
    cross,
    focus,
    // Over the plot, under the markers: pointer read-out without stealing the markers' taps.
    svg("rect", {
      class: "hover-area",
      x: pad.left,
      y: pad.top,
      width: plotW,
      height: plotH,
      onpointermove: (e) => show(/** @type {PointerEvent} */ (e)),
      onpointerdown: (e) => show(/** @type {PointerEvent} */ (e)),
      onpointerleave: (e) => {
        if (/** @type {PointerEvent} */ (e).pointerType === "mouse") hide();
      },
    }),
    markers,
  );

  const hide = () => {
    tip.hidden = true;
    cross.setAttribute("visibility", "hidden");
    focus.setAttribute("visibility", "hidden");
  };
  /** @param {PointerEvent} e */
  const show = (e) => {
    const box = chart.getBoundingClientRect();
    const ux = ((e.clientX - box.left) / Math.max(1, box.width)) * width;
    const ms = opts.from + ((ux - pad.left) / plotW) * span;
    const p = sorted[nearestIndex(sorted, ms)];
    if (!p) return hide();
    const px = x(p[0]);
    const py = y(p[1]);
    for (const [k, v] of [
      ["x1", px],
      ["x2", px],
    ])
      cross.setAttribute(String(k), String(v));
    focus.setAttribute("cx", String(px));
    focus.setAttribute("cy", String(py));
    cross.setAttribute("visibility", "visible");
    focus.setAttribute("visibility", "visible");
    tip.replaceChildren(
      h("span", { class: "tip-value" }, opts.formatY(p[1])),
      h("span", { class: "tip-time" }, opts.formatTipTime(p[0])),
    );
    tip.dataset.t = String(p[0]);
    tip.dataset.v = String(p[1]);
    tip.hidden = false;
    // Beside the point, kept inside the chart (left of it on the right half).
    const scale = box.width / width;
    tip.style.top = `${Math.max(0, py * scale - 44)}px`;
    tip.style.left = px > width / 2 ? "" : `${px * scale + 10}px`;
    tip.style.right = px > width / 2 ? `${(width - px) * scale + 10}px` : "";
  };
  return chart;
}
