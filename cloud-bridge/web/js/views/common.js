/** Pieces shared by the views: loading and error states, badges, alarm wording. */
import { h, replace } from "../dom.js";
import { evidenceText } from "../evidence.js";
import { lang, t, tDynamic } from "../i18n.js";
import { placeText as joinPlace } from "../place.js";
import { siteLabel } from "../site-names.js";

/** @typedef {import("../models.js").Alarm} Alarm */
/** @typedef {import("../models.js").ShedLive} ShedLive */

/** A shed's title: its configured name with its id, else "Shed <id>". @param {ShedLive} s */
export function shedTitle(s) {
  return s.name
    ? t("shed.titleNamed", { name: s.name, id: s.shed })
    : t("shed.title", { name: s.shed });
}

/**
 * Building, shed and place of a device or shed, each once, e.g. "b1 · 2-201" (place.js, the
 * rule of common/place.ts); undefined when unknown.
 * @param {{ building?: string | undefined, shed?: string | undefined, location?: string | undefined }} p
 */
export function placeText(p) {
  return joinPlace(p, " · ");
}

/**
 * Where a shed is: its building and place (its id is in its title already).
 * @param {ShedLive} s
 */
export function shedWhere(s) {
  return placeText({ building: s.building, location: s.location });
}

/** @param {HTMLElement} root */
export function showLoading(root) {
  replace(root, h("p", { class: "muted", "data-testid": "loading" }, t("app.loading")));
}

/**
 * @param {HTMLElement} root
 * @param {unknown} err
 * @param {() => void} retry
 */
export function showError(root, err, retry) {
  const reason = err instanceof Error ? err.message : String(err);
  replace(
    root,
    h(
      "div",
      { class: "error", role: "alert" },
      h("p", null, t("app.error", { reason })),
      h("button", { type: "button", onclick: retry }, t("app.retry")),
    ),
  );
}

/** @param {string} severity */
export function severityBadge(severity) {
  return h("span", { class: `badge sev-${severity}` }, tDynamic(`severity.${severity}`, severity));
}

/** @param {string} kind */
export function kindName(kind) {
  return tDynamic(`kind.${kind}`, kind);
}

/** @param {number} state */
export function portStateName(state) {
  return tDynamic(`port.state.${state}`, String(state));
}

/** CSS class of a port state: idle, charging, full, off, cut, fault. @param {number} state */
export function portStateClass(state) {
  if (state === 0) return "idle";
  if (state === 1) return "charging";
  if (state === 2) return "full";
  if (state === 3) return "off";
  if (state === 11) return "fault";
  return "cut";
}

/**
 * A port as people read it, in the page's language: "Charger 2 · port 1" or "Port 1" (port-label.js).
 * @param {{ chargerNo: number | undefined, portNo: number }} p
 */
export function portName(p) {
  return p.chargerNo === undefined
    ? t("port.name", { n: p.portNo })
    : t("port.nameOfCharger", { c: p.chargerNo, n: p.portNo });
}

/**
 * An alarm's evidence in the page's language (the gateway writes it in English; evidence.js).
 * @param {Alarm} a @returns {string | undefined}
 */
export function alarmEvidence(a) {
  if (!a.evidence || lang() === "en") return a.evidence;
  return evidenceText(a.evidence, (key, vars) =>
    tDynamic(key, key).replace(/\{(\w+)\}/g, (m, name) => vars[name] ?? m),
  );
}

/** Where an alarm happened, in words. @param {Alarm} a */
export function alarmWhere(a) {
  const parts = [siteLabel(a.site)];
  if (a.location) parts.push(a.location);
  parts.push(t("alarms.device", { id: a.deviceId }));
  if (a.port !== undefined) {
    parts.push(
      a.chargerNo === undefined
        ? t("alarms.portOf", { n: a.port + 1 })
        : t("alarms.portOfCharger", { c: a.chargerNo, n: a.port + 1 }),
    );
  }
  return parts.join(" · ");
}

/** Active/cleared and acknowledged/not, as two badges. @param {Alarm} a */
export function alarmStatus(a) {
  return h(
    "span",
    { class: "status" },
    h(
      "span",
      { class: `badge ${a.active ? "st-active" : "st-cleared"}`, "data-testid": "alarm-active" },
      a.active ? t("alarms.active") : t("alarms.cleared"),
    ),
    " ",
    h(
      "span",
      {
        class: `badge ${a.acknowledged ? "st-acked" : "st-unacked"}`,
        "data-testid": "alarm-acked",
      },
      a.acknowledged ? t("alarms.acknowledged") : t("alarms.unacknowledged"),
    ),
    a.historical ? h("span", { class: "badge st-historical" }, t("alarms.historical")) : null,
  );
}

export const SEVERITIES = ["critical", "major", "minor", "maintenance"];
export const ALARM_KINDS = [
  "fire",
  "smoke-fault",
  "tamper",
  "low-battery",
  "end-of-life",
  "device-lost",
  "port-overload",
  "shed-overload",
  "over-temperature",
  "short-circuit",
  "illegal-load",
  "welfare",
  "wandering",
  "threshold",
  "security",
];
