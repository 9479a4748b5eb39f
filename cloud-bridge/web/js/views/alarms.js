/**
 * The alarm list with filters (site, state, severity, kind) kept in the URL,
 * updated live from the stream, with acknowledge-with-a-comment on each row.
 */
import { listAlarms, listSites } from "../api.js";
import { h, replace } from "../dom.js";
import { formatDateTime } from "../format.js";
import { t } from "../i18n.js";
import { subscribe } from "../live.js";
import { toAlarm } from "../models.js";
import { ackForm } from "./ack-form.js";
import {
  ALARM_KINDS,
  alarmEvidence,
  alarmStatus,
  alarmWhere,
  kindName,
  SEVERITIES,
  severityBadge,
  showError,
  showLoading,
} from "./common.js";

/** @typedef {import("../models.js").Alarm} Alarm */
/** @typedef {{ site: string, state: string, severity: string, kind: string }} Filter */

const STATES = ["active", "unacknowledged", "cleared"];

/** @type {import("../app.js").View} */
export function alarmsView(root, ctx) {
  /** @type {Filter} */
  const filter = {
    site: ctx.query.get("site") ?? "",
    state: ctx.query.get("state") ?? "",
    severity: ctx.query.get("severity") ?? "",
    kind: ctx.query.get("kind") ?? "",
  };
  const filters = h("form", { class: "filters", "data-testid": "filters" });
  const list = h("div", { class: "alarm-list", "data-testid": "alarms" });
  root.append(h("h1", null, t("alarms.title")), filters, list);
  let stopped = false;
  /** @type {Alarm[]} */
  let alarms = [];
  /** @type {Set<string>} */
  const openForms = new Set();
  /** Acknowledgements the gateway accepted; the alarm turns acknowledged when its transition arrives. */
  /** @type {Set<string>} */
  const sent = new Set();

  /** @param {keyof Filter} key @param {string} value */
  const setFilter = (key, value) => {
    const q = new URLSearchParams({ ...filter, [key]: value });
    for (const [k, v] of [...q]) if (!v) q.delete(k);
    ctx.navigate(`#/alarms?${q}`);
  };
  /** @param {keyof Filter} key @param {string} label @param {Array<[string, string]>} options */
  const select = (key, label, options) =>
    h(
      "label",
      null,
      h("span", null, label),
      h(
        "select",
        {
          name: key,
          onchange: (e) => setFilter(key, /** @type {HTMLSelectElement} */ (e.target).value),
        },
        h("option", { value: "" }, t("alarms.filter.all")),
        options.map(([v, text]) => h("option", { value: v, selected: filter[key] === v }, text)),
      ),
    );
  /** @param {string[]} sites */
  const showFilters = (sites) =>
    replace(
      filters,
      select(
        "site",
        t("alarms.filter.site"),
        sites.map((s) => [s, s]),
      ),
      select(
        "state",
        t("alarms.filter.state"),
        STATES.map((s) => [s, t(/** @type {"alarms.state.active"} */ (`alarms.state.${s}`))]),
      ),
      select(
        "severity",
        t("alarms.filter.severity"),
        SEVERITIES.map((s) => [s, severityName(s)]),
      ),
      select(
        "kind",
        t("alarms.filter.kind"),
        ALARM_KINDS.map((k) => [k, kindName(k)]),
      ),
    );

  const show = () => {
    const shown = alarms.filter((a) => matches(a, filter)).sort(byUrgency);
    if (shown.length === 0) {
      replace(list, h("p", { class: "muted", "data-testid": "no-alarms" }, t("alarms.empty")));
      return;
    }
    replace(list, shown.map(row));
  };
  /** @param {Alarm} a */
  const row = (a) =>
    h(
      "article",
      {
        class: `card alarm sev-border-${a.severity} ${a.active ? "is-active" : "is-cleared"}`,
        "data-alarm-id": a.alarmId,
        "data-kind": a.kind,
      },
      h(
        "div",
        { class: "alarm-head" },
        severityBadge(a.severity),
        h(
          "a",
          {
            class: "alarm-title",
            href: `#/alarm/${encodeURIComponent(a.site)}/${encodeURIComponent(a.alarmId)}`,
          },
          kindName(a.kind),
        ),
        alarmStatus(a),
      ),
      h("p", { class: "muted" }, `${alarmWhere(a)} · ${formatDateTime(a.raisedAt)}`),
      a.evidence ? h("p", { class: "evidence" }, alarmEvidence(a)) : null,
      a.acknowledged || !openForms.has(a.alarmId)
        ? a.acknowledged
          ? null
          : sent.has(a.alarmId)
            ? h("p", { class: "muted", role: "status" }, t("alarms.ackSent"))
            : h(
                "button",
                {
                  type: "button",
                  "data-testid": "ack",
                  onclick: () => {
                    openForms.add(a.alarmId);
                    show();
                  },
                },
                t("alarms.ack"),
              )
        : ackForm(a.site, a.alarmId, () => {
            openForms.delete(a.alarmId);
            sent.add(a.alarmId);
            show();
          }),
    );
  /** @param {Alarm} a */
  const upsert = (a) => {
    const old = alarms.find((x) => x.alarmId === a.alarmId);
    if (old && old.updatedAt > a.updatedAt) return;
    alarms = old ? alarms.map((x) => (x === old ? a : x)) : [a, ...alarms];
    show();
  };

  const load = async () => {
    try {
      const sites = await listSites();
      const loaded = await listAlarms({
        ...(filter.site ? { site: filter.site } : {}),
        ...(filter.state === "active" ? { active: true } : {}),
        ...(filter.state === "cleared" ? { active: false } : {}),
      });
      if (stopped) return;
      showFilters(sites.map((s) => s.site));
      // Transitions that arrived on the stream while loading are newer: keep them.
      const live = new Map(alarms.map((a) => [a.alarmId, a]));
      alarms = loaded.map((a) => {
        const l = live.get(a.alarmId);
        return l && l.updatedAt > a.updatedAt ? l : a;
      });
      for (const a of live.values())
        if (!alarms.some((x) => x.alarmId === a.alarmId)) alarms.push(a);
      show();
    } catch (err) {
      if (!stopped) showError(list, err, load);
    }
  };
  showLoading(list);
  void load();
  const unsub = subscribe("alarm", (data) => upsert(toAlarm(data)));
  return () => {
    stopped = true;
    unsub();
  };
}

/** @param {string} s */
function severityName(s) {
  return t(/** @type {"severity.critical"} */ (`severity.${s}`));
}

/** @param {Alarm} a @param {Filter} f */
export function matches(a, f) {
  if (f.site && a.site !== f.site) return false;
  if (f.severity && a.severity !== f.severity) return false;
  if (f.kind && a.kind !== f.kind) return false;
  if (f.state === "active" && !a.active) return false;
  if (f.state === "cleared" && a.active) return false;
  if (f.state === "unacknowledged" && a.acknowledged) return false;
  return true;
}

const SEVERITY_RANK = { critical: 0, major: 1, minor: 2, maintenance: 3 };

/** Active first, then unacknowledged, then severity, then newest. @param {Alarm} a @param {Alarm} b */
function byUrgency(a, b) {
  return (
    Number(b.active) - Number(a.active) ||
    Number(a.acknowledged) - Number(b.acknowledged) ||
    (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) ||
    b.raisedAt - a.raisedAt
  );
}
