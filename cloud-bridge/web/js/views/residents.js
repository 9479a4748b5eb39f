/**
 * Guardian residents of one site (elderly people living alone): each one's
 * welfare state and since when, the last activity, and the open welfare or
 * wandering alarm with its escalation timeline (who was told, who answered).
 * Most urgent first, as the server orders them; live over server-sent events.
 */
import { listResidents } from "../api.js";
import { h, replace } from "../dom.js";
import { formatAgo, formatTime } from "../format.js";
import { t, tDynamic } from "../i18n.js";
import { subscribe } from "../live.js";
import { obj, str } from "../narrow.js";
import { HttpError } from "../session.js";
import { timelineOf } from "./alarm.js";
import { kindName, severityBadge, showError, showLoading } from "./common.js";

/** @typedef {import("../models.js").Resident} Resident */

/** States an operator must act on (red) or look at (amber). */
const ACT = new Set(["alarm", "wandering"]);
const LOOK = new Set(["overdue", "sensor-fault", "unknown"]);

/** @param {string} state */
function stateClass(state) {
  if (ACT.has(state)) return "state state-act";
  if (LOOK.has(state)) return "state state-look";
  return "state state-ok";
}

/** @param {Resident} r @param {string} site @param {number} now */
function residentCard(r, site, now) {
  return h(
    "section",
    {
      class: "card resident",
      "data-testid": "resident",
      "data-device": r.deviceId,
      "data-state": r.state,
    },
    h(
      "div",
      { class: "title-row" },
      h("h2", null, r.location ?? r.deviceId),
      h(
        "span",
        { class: stateClass(r.state), "data-testid": "resident-state" },
        tDynamic(`resident.state.${r.state}`, r.state),
      ),
    ),
    h("p", { class: "muted" }, tDynamic(`resident.hint.${r.state}`, "")),
    h(
      "p",
      null,
      t("resident.since", { ago: formatAgo(r.since, now) }),
      r.lastActivityAt === undefined
        ? null
        : h(
            "span",
            null,
            " · ",
            t("resident.lastActivity", { time: formatTime(r.lastActivityAt) }),
          ),
    ),
    r.alarms.map((a) =>
      h(
        "div",
        { class: "resident-alarm", "data-testid": "resident-alarm" },
        h(
          "p",
          null,
          severityBadge(a.severity),
          " ",
          h(
            "a",
            { href: `#/alarm/${encodeURIComponent(site)}/${encodeURIComponent(a.alarmId)}` },
            kindName(a.kind),
          ),
          " ",
          a.acknowledged
            ? h("span", { class: "muted" }, t("resident.answered", { who: a.acknowledgedBy ?? "" }))
            : h("strong", null, t("resident.unanswered")),
        ),
        h(
          "ol",
          { class: "timeline", "data-testid": "resident-timeline" },
          timelineOf(a).map((e) =>
            h(
              "li",
              { "data-transition": e.transition },
              h("time", null, formatTime(e.ts)),
              " ",
              h("strong", null, tDynamic(`timeline.${e.transition}`, e.transition)),
              e.detail ? h("span", { class: "muted" }, ` ${e.detail}`) : null,
              e.by ? h("span", null, ` ${t("timeline.by", { who: e.by })}`) : null,
            ),
          ),
        ),
      ),
    ),
  );
}

/** @type {import("../app.js").View} */
export function residentsView(root, ctx) {
  const site = ctx.params[0] ?? "";
  const body = h("div", { class: "grid", "data-testid": "residents" });
  root.append(
    h(
      "div",
      { class: "title-row" },
      h("h1", null, t("residents.title", { site })),
      h("a", { class: "button", href: `#/site/${encodeURIComponent(site)}` }, t("residents.back")),
    ),
    h("p", { class: "muted" }, t("residents.privacy")),
    body,
  );
  let stopped = false;
  const load = async () => {
    try {
      const list = await listResidents(site);
      if (stopped) return;
      const now = Date.now();
      if (list.length === 0) replace(body, h("p", { class: "muted" }, t("residents.none")));
      else replace(body, ...list.map((r) => residentCard(r, site, now)));
    } catch (err) {
      if (stopped) return;
      // A token of the site below guardian.readRole (a viewer): residents are not theirs to see.
      if (err instanceof HttpError && err.status === 403)
        replace(
          body,
          h(
            "p",
            { class: "muted", "data-testid": "residents-forbidden" },
            t("residents.forbidden"),
          ),
        );
      else showError(body, err, load);
    }
  };
  showLoading(body);
  void load();
  /** @param {unknown} data */
  const mine = (data) => str(obj(data).site) === site || obj(data).site === undefined;
  const unsubs = [
    subscribe("resident", () => void load()),
    subscribe("alarm", (data) => {
      const kind = str(obj(data).kind);
      if (mine(data) && (kind === "welfare" || kind === "wandering")) void load();
    }),
  ];
  return () => {
    stopped = true;
    for (const u of unsubs) u();
  };
}
