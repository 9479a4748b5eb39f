/** One alarm: what, where, evidence, status, and its timeline (raised, notified, acknowledged, cleared). */
import { getAlarm } from "../api.js";
import { h, replace } from "../dom.js";
import { formatDateTime } from "../format.js";
import { t, tDynamic } from "../i18n.js";
import { subscribe } from "../live.js";
import { toAlarm } from "../models.js";
import { ackForm } from "./ack-form.js";
import {
  alarmEvidence,
  alarmStatus,
  alarmWhere,
  kindName,
  severityBadge,
  showError,
  showLoading,
} from "./common.js";
import { dispatchForm } from "./dispatch-form.js";

/** @typedef {import("../models.js").Alarm} Alarm */
/** @typedef {import("../models.js").TimelineEntry} TimelineEntry */

/** @type {import("../app.js").View} */
export function alarmView(root, ctx) {
  const site = ctx.params[0] ?? "";
  const alarmId = ctx.params[1] ?? "";
  const body = h("div", { "data-testid": "alarm" });
  root.append(body);
  let stopped = false;

  /** @param {Alarm} a */
  const show = (a) => {
    const timeline = timelineOf(a);
    replace(
      body,
      h(
        "div",
        { class: "title-row" },
        h("h1", null, severityBadge(a.severity), " ", kindName(a.kind)),
        h(
          "a",
          { class: "button", href: `#/alarms?site=${encodeURIComponent(a.site)}` },
          t("app.back"),
        ),
      ),
      h(
        "section",
        { class: "card" },
        h("h2", null, t("alarms.details")),
        h(
          "dl",
          { class: "details" },
          h("dt", null, t("alarms.status")),
          h("dd", null, alarmStatus(a)),
          h("dt", null, t("alarms.where")),
          h("dd", null, alarmWhere(a)),
          h("dt", null, t("alarms.raisedAt")),
          h("dd", null, formatDateTime(a.raisedAt)),
          a.evidence
            ? [h("dt", null, t("alarms.evidence")), h("dd", null, alarmEvidence(a))]
            : null,
        ),
        a.acknowledged ? null : ackForm(site, a.alarmId, () => void load()),
      ),
      h(
        "section",
        { class: "card" },
        h("h2", null, t("wo.title")),
        dispatchForm(site, a.alarmId, () => void load()),
      ),
      h(
        "section",
        { class: "card" },
        h("h2", null, t("alarms.timeline")),
        h(
          "ol",
          { class: "timeline", "data-testid": "timeline" },
          timeline.map((e) =>
            h(
              "li",
              { class: `tl-${e.transition}`, "data-transition": e.transition },
              h("time", null, formatDateTime(e.ts)),
              h("strong", null, tDynamic(`timeline.${e.transition}`, e.transition)),
              e.by ? h("span", null, t("timeline.by", { who: e.by })) : null,
              e.detail ? h("span", { class: "muted" }, e.detail) : null,
              e.comment ? h("q", null, e.comment) : null,
            ),
          ),
        ),
      ),
    );
  };
  const load = async () => {
    try {
      const a = await getAlarm(site, alarmId);
      if (!stopped) show(a);
    } catch (err) {
      if (!stopped) showError(body, err, load);
    }
  };
  showLoading(body);
  void load();
  const unsub = subscribe("alarm", (data) => {
    const a = toAlarm(data);
    if (a.alarmId === alarmId && a.site === site) show(a);
  });
  return () => {
    stopped = true;
    unsub();
  };
}

/**
 * The server's timeline when it sends one; otherwise rebuilt from the alarm's own times.
 * @param {Alarm} a
 * @returns {TimelineEntry[]}
 */
export function timelineOf(a) {
  if (a.timeline && a.timeline.length > 0) return [...a.timeline].sort((x, y) => x.ts - y.ts);
  /** @type {TimelineEntry[]} */
  const out = [
    { transition: "raised", ts: a.raisedAt, by: undefined, comment: undefined, detail: a.rule },
  ];
  if (a.acknowledgedAt !== undefined) {
    out.push({
      transition: "acknowledged",
      ts: a.acknowledgedAt,
      by: a.acknowledgedBy,
      comment: a.comment,
      detail: undefined,
    });
  }
  if (a.clearedAt !== undefined) {
    out.push({
      transition: "cleared",
      ts: a.clearedAt,
      by: undefined,
      comment: undefined,
      detail: undefined,
    });
  }
  return out.sort((x, y) => x.ts - y.ts);
}
