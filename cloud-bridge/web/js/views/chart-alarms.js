/**
 * Alarms as markers on a chart's time axis: each at the time it was raised,
 * named by its kind, linking to the alarm's page.
 */
import { h } from "../dom.js";
import { formatDateTime } from "../format.js";
import { kindName } from "./common.js";

/**
 * @param {import("../models.js").Alarm[]} alarms
 * @param {number} from @param {number} to
 * @returns {import("../chart.js").ChartMarker[]}
 */
export function alarmsInRange(alarms, from, to) {
  return alarms
    .filter((a) => a.raisedAt >= from && a.raisedAt <= to)
    .map((a) => ({
      t: a.raisedAt,
      id: a.alarmId,
      label: `${kindName(a.kind)} · ${formatDateTime(a.raisedAt)}`,
      href: `#/alarm/${encodeURIComponent(a.site)}/${encodeURIComponent(a.alarmId)}`,
      severity: a.severity,
    }));
}

/**
 * The same alarms as a list of links under the chart (easier to tap than a flag on a phone).
 * @param {import("../chart.js").ChartMarker[]} markers @param {string} title
 */
export function markerList(markers, title) {
  if (markers.length === 0) return null;
  return h(
    "p",
    { class: "chart-alarms", "data-testid": "chart-alarms" },
    `${title}: `,
    markers.map((m) =>
      h(
        "a",
        { class: `marker-link`, href: m.href, "data-alarm": m.id },
        h("span", { class: `marker-key sev-${m.severity}` }),
        m.label,
      ),
    ),
  );
}
