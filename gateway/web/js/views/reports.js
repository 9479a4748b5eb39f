/** Commissioning reports, newest first; each opens to its details and can be printed. */
import { listReports } from "../api.js";
import { h, replace } from "../dom.js";
import { formatDateTime } from "../format.js";
import { t } from "../i18n.js";
import { obj } from "../narrow.js";
import { kindName, showError, showLoading } from "./common.js";

/** @typedef {import("../models.js").Report} Report */

/** Fields shown first, in this order, with their labels; any other field follows. */
const KNOWN = [
  ["kind", "devices.kind"],
  ["location", "devices.location"],
  ["board", "reports.board"],
  ["firmware", "devices.firmware"],
  ["firmwareHash", "reports.firmwareHash"],
  ["firstRssiDbm", "reports.firstRssi"],
  ["installer", "reports.installer"],
];

/** @type {import("../app.js").View} */
export function reportsView(root) {
  const box = h("div", { "data-testid": "reports" });
  root.append(
    h(
      "div",
      { class: "title-row" },
      h("h1", null, t("reports.title")),
      h(
        "button",
        { type: "button", class: "no-print", onclick: () => window.print() },
        t("reports.print"),
      ),
    ),
    box,
  );
  let stopped = false;
  const load = async () => {
    try {
      const reports = await listReports();
      if (stopped) return;
      replace(
        box,
        reports.length === 0
          ? h("p", { class: "muted" }, t("reports.empty"))
          : reports.map((r, i) => reportCard(r, i === 0)),
      );
    } catch (err) {
      if (!stopped) showError(box, err, load);
    }
  };
  showLoading(box);
  void load();
  return () => {
    stopped = true;
  };
}

/**
 * @param {Report} r
 * @param {boolean} open
 */
function reportCard(r, open) {
  const body = r.report;
  const selfTest = selfTestPassed(body.selfTest);
  const rest = Object.entries(body).filter(
    ([k]) => !KNOWN.some(([known]) => known === k) && !["deviceId", "selfTest", "kind"].includes(k),
  );
  return h(
    "details",
    { class: "card report", open, "data-report": r.id },
    h(
      "summary",
      null,
      h("code", null, r.deviceId ?? String(body.deviceId ?? "–")),
      ` ${typeof body.kind === "string" ? kindName(body.kind) : ""} · ${formatDateTime(r.createdAt)} `,
      selfTest === undefined
        ? null
        : h(
            "span",
            { class: `badge ${selfTest ? "st-ok" : "st-bad"}` },
            `${t("reports.selfTest")}: ${selfTest ? t("reports.pass") : t("reports.fail")}`,
          ),
    ),
    h(
      "dl",
      { class: "details" },
      KNOWN.filter(([k]) => body[k ?? ""] !== undefined).flatMap(([k, label]) => [
        h("dt", null, t(/** @type {"devices.kind"} */ (label))),
        h("dd", null, k === "kind" ? kindName(String(body.kind)) : show(body[k ?? ""])),
      ]),
      rest.flatMap(([k, v]) => [h("dt", null, k), h("dd", null, show(v))]),
    ),
  );
}

/** @param {unknown} v */
function selfTestPassed(v) {
  if (typeof v === "boolean") return v;
  if (typeof v === "string") return v === "pass" || v === "ok" || v === "passed";
  const o = obj(v);
  if (typeof o.ok === "boolean") return o.ok;
  if (typeof o.passed === "boolean") return o.passed;
  if (typeof o.result === "string") return o.result === "pass" || o.result === "ok";
  return undefined;
}

/** A value as text: objects as compact JSON (thresholds, receivers). @param {unknown} v */
function show(v) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "object") return h("code", { class: "json" }, JSON.stringify(v));
  return String(v);
}
