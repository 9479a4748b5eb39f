/** Horizontal load bars: a value against its limit, red once over it. */
import { h } from "../dom.js";
import { formatPower } from "../format.js";
import { t } from "../i18n.js";

/**
 * @param {{ valueW: number, limitW: number, label: string, testId?: string }} o
 */
export function loadBar(o) {
  const ratio = o.limitW > 0 ? o.valueW / o.limitW : 0;
  // The bar's full width is 125 % of the limit, so an overload shows beyond the limit mark.
  const widthPct = Math.min(100, (Math.max(0, ratio) / 1.25) * 100);
  const level = ratio > 1 ? "over" : ratio > 0.85 ? "near" : "ok";
  return h(
    "div",
    {
      class: `bar bar-${level}`,
      role: "meter",
      "aria-label": o.label,
      "aria-valuemin": 0,
      "aria-valuemax": o.limitW,
      "aria-valuenow": Math.round(o.valueW),
      "data-testid": o.testId,
    },
    h(
      "div",
      { class: "bar-track" },
      h("div", { class: "bar-fill", style: `width:${widthPct.toFixed(1)}%` }),
      h("div", { class: "bar-limit", style: `left:${(100 / 1.25).toFixed(1)}%` }),
    ),
    h(
      "div",
      { class: "bar-text" },
      h("strong", null, formatPower(o.valueW)),
      h("span", { class: "muted" }, ` ${t("shed.limit", { limit: formatPower(o.limitW) })}`),
    ),
  );
}
