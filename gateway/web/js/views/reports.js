/**
 * Commissioning reports, newest first, as an installer reads them: the same
 * items as the text report `haitang flash` prints (installer/commissioning-report.ts
 * reportText), labelled in the page's language, and printable (the print CSS
 * keeps the reports and drops the navigation). Fields the page does not know
 * are listed after, as text.
 */
import { listReports } from "../api.js";
import { h, replace } from "../dom.js";
import { formatDateTime } from "../format.js";
import { t } from "../i18n.js";
import { obj } from "../narrow.js";
import { kindName, showError, showLoading } from "./common.js";

/** @typedef {import("../models.js").Report} Report */
/** @typedef {import("../dom.js").Child | import("../dom.js").Child[]} Child */

/** Fields shown by their own line; any other field follows as "name: value". */
const SHOWN = new Set([
  "v",
  "status",
  "device",
  "deviceId",
  "kind",
  "replaces",
  "site",
  "building",
  "location",
  "shed",
  "board",
  "firmware",
  "firmwareHash",
  "heartbeatS",
  "thresholds",
  "gateway",
  "firstFrame",
  "firstRssiDbm",
  "selfTest",
  "time",
  "installer",
  "durationsMs",
]);

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

/** @param {unknown} v */
const text = (v) => (typeof v === "string" || typeof v === "number" ? String(v) : undefined);

/**
 * @param {Report} r
 * @param {boolean} open
 */
function reportCard(r, open) {
  const b = r.report;
  const board = obj(b.board);
  const fw = obj(b.firmware);
  const first = obj(b.firstFrame);
  const self = selfTestOf(b.selfTest);
  const device = text(b.device) ?? r.deviceId ?? "–";
  const kind = text(b.kind);
  const place = [
    b.site,
    b.building,
    b.location,
    b.shed ? t("reports.shed", { id: String(b.shed) }) : undefined,
  ]
    .map(text)
    .filter(Boolean)
    .join(" / ");
  const durations = Object.entries(obj(b.durationsMs)).filter(([, v]) => typeof v === "number");
  const totalS = durations.reduce((s, [, v]) => s + Number(v), 0) / 1000;
  const commissioned = b.status === undefined || b.status === "commissioned";

  /** @type {Array<[string, Child] | null>} */
  const lines = [
    [
      t("reports.device"),
      [
        h("code", null, device),
        kind ? ` (${kindName(kind)})` : "",
        b.replaces ? ` · ${t("reports.replaces", { id: String(b.replaces) })}` : "",
      ],
    ],
    place ? [t("reports.place"), place] : null,
    typeof b.board === "string"
      ? [t("reports.board"), b.board]
      : board.reported !== undefined
        ? [
            t("reports.board"),
            t("reports.boardText", {
              reported: String(board.reported),
              asked: String(board.asked ?? "–"),
              espruino: String(board.espruino ?? "–"),
            }),
          ]
        : null,
    typeof b.firmware === "string"
      ? [t("reports.firmware"), b.firmware]
      : fw.version !== undefined
        ? [
            t("reports.firmware"),
            [
              String(fw.version),
              h("br"),
              h("code", { class: "hash" }, `sha256 ${String(fw.sha256 ?? "–")}`),
              h("br"),
              t("reports.size", {
                size: Number(fw.sizeBytes ?? 0).toLocaleString(),
                budget: Number(fw.budgetBytes ?? 0).toLocaleString(),
              }),
            ],
          ]
        : null,
    text(b.firmwareHash)
      ? [t("reports.firmwareHash"), h("code", null, String(b.firmwareHash))]
      : null,
    typeof b.heartbeatS === "number"
      ? [t("reports.heartbeat"), t("reports.every", { n: b.heartbeatS })]
      : null,
    b.thresholds !== undefined ? [t("reports.thresholds"), keyValues(obj(b.thresholds))] : null,
    text(b.gateway) ? [t("reports.gateway"), String(b.gateway)] : null,
    b.firstFrame !== undefined
      ? [
          t("reports.firstFrame"),
          t("reports.firstFrameText", {
            when: formatDateTime(Date.parse(String(first.receivedAt))),
            receiver: String(first.receiver ?? "?"),
            signal:
              typeof first.rssi === "number" ? `${first.rssi} dBm` : t("reports.signalNotReported"),
          }),
        ]
      : typeof b.firstRssiDbm === "number"
        ? [t("reports.firstRssi"), `${b.firstRssiDbm} dBm`]
        : b.status === "flashed-not-waited"
          ? [t("reports.firstFrame"), t("reports.notAwaited")]
          : null,
    [
      t("reports.selfTest"),
      self === undefined
        ? t("reports.notRun")
        : h(
            "span",
            { class: `badge ${self.ok ? "st-ok" : "st-bad"}`, "data-testid": "self-test" },
            `${self.ok ? t("reports.pass") : t("reports.fail")}${self.detail ? ` (${self.detail})` : ""}`,
          ),
    ],
    text(b.time) ? [t("reports.time"), formatDateTime(Date.parse(String(b.time)))] : null,
    text(b.installer) ? [t("reports.installer"), String(b.installer)] : null,
    durations.length
      ? [
          t("reports.took"),
          `${totalS.toFixed(1)} s (${durations.map(([k, v]) => `${k} ${(Number(v) / 1000).toFixed(1)} s`).join(", ")})`,
        ]
      : null,
    ...Object.entries(b)
      .filter(([k]) => !SHOWN.has(k))
      .map(([k, v]) => /** @type {[string, Child]} */ ([k, valueText(v)])),
  ];
  return h(
    "details",
    { class: "card report", open, "data-report": r.id },
    h(
      "summary",
      null,
      h("strong", null, commissioned ? t("reports.commissioned") : t("reports.flashedOnly")),
      " · ",
      h("code", null, device),
      ` ${kind ? kindName(kind) : ""} · ${formatDateTime(r.createdAt)} `,
      self === undefined
        ? null
        : h(
            "span",
            { class: `badge ${self.ok ? "st-ok" : "st-bad"}` },
            `${t("reports.selfTest")}: ${self.ok ? t("reports.pass") : t("reports.fail")}`,
          ),
    ),
    h(
      "dl",
      { class: "details report-lines" },
      lines.flatMap((l) => (l ? [h("dt", null, l[0]), h("dd", null, l[1])] : [])),
    ),
  );
}

/**
 * The self-test result, from the flash tool's `{result, detail}` or older shapes.
 * @param {unknown} v @returns {{ ok: boolean, detail: string | undefined } | undefined}
 */
function selfTestOf(v) {
  if (typeof v === "boolean") return { ok: v, detail: undefined };
  if (typeof v === "string") return { ok: ["pass", "ok", "passed"].includes(v), detail: undefined };
  const o = obj(v);
  const detail = typeof o.detail === "string" ? o.detail : undefined;
  if (typeof o.ok === "boolean") return { ok: o.ok, detail };
  if (typeof o.passed === "boolean") return { ok: o.passed, detail };
  if (o.result === "not-supported") return { ok: true, detail: t("reports.notSupported") };
  if (typeof o.result === "string")
    return { ok: ["pass", "ok", "passed"].includes(o.result), detail };
  return undefined;
}

/** "name = value" lines of an object (thresholds). @param {Record<string, unknown>} o */
function keyValues(o) {
  const entries = Object.entries(o);
  if (entries.length === 0) return "–";
  return h(
    "ul",
    { class: "plain" },
    entries.map(([k, v]) =>
      h("li", null, `${k} = ${typeof v === "object" ? JSON.stringify(v) : String(v)}`),
    ),
  );
}

/** A value as text: objects as "name = value" lines. @param {unknown} v @returns {Child} */
function valueText(v) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "object") return Array.isArray(v) ? v.map(String).join(", ") : keyValues(obj(v));
  return String(v);
}
