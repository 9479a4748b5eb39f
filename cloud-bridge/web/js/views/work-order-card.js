/**
 * One work order as a card: what, where, the deadline (overdue and the
 * escalation level stand out), its steps, and the buttons for the next steps
 * with a note and a photo. Used by the worker's phone page and the site's
 * work order list.
 */
import { h } from "../dom.js";
import { formatDateTime, formatTime } from "../format.js";
import { t, tDynamic } from "../i18n.js";
import { shrinkPhoto } from "../photo.js";
import { stepOrder } from "../work-order-api.js";
import { kindName, severityBadge } from "./common.js";

/** @typedef {import("../work-order-api.js").WorkOrder} WorkOrder */

/** The steps a worker takes from each state (cloud-bridge/work-orders/work-order.ts has the full table). */
const WORKER_NEXT = /** @type {Record<string, string[]>} */ ({
  assigned: ["on-the-way", "on-site"],
  "on-the-way": ["on-site"],
  "on-site": ["resolved"],
});

/** @param {WorkOrder} o */
export function orderTitle(o) {
  return o.source === "alarm" ? kindName(o.alarmKind ?? o.title) : o.title;
}

/** @param {WorkOrder} o */
function deadlineLine(o) {
  return h(
    "p",
    { class: "wo-deadline" },
    o.overdue
      ? h("span", { class: "badge sev-critical", "data-testid": "wo-overdue" }, t("wo.overdue"))
      : null,
    " ",
    t("wo.due", { time: formatTime(o.deadlineAt) }),
    o.level > 0
      ? h(
          "strong",
          { "data-testid": "wo-level", "data-level": o.level },
          ` · ${t("wo.escalated", { n: o.level, who: lastEscalation(o) })}`,
        )
      : null,
  );
}

/** @param {WorkOrder} o */
function lastEscalation(o) {
  for (let i = o.steps.length - 1; i >= 0; i--) {
    const s = o.steps[i];
    if (s?.what === "escalated") return tDynamic(`wo.level.${s.escalatedTo}`, s.escalatedTo ?? "");
  }
  return "";
}

/** @param {WorkOrder} o */
export function stepList(o) {
  return h(
    "ol",
    { class: "timeline", "data-testid": "wo-steps" },
    o.steps.map((s) =>
      h(
        "li",
        { "data-step": s.what },
        h("time", null, formatDateTime(s.at)),
        " ",
        h("strong", null, tDynamic(`wo.step.${s.what}`, s.what)),
        " ",
        h("span", null, t("timeline.by", { who: s.by })),
        s.assignee ? h("span", null, ` → ${s.assignee}`) : null,
        s.escalatedTo
          ? h("span", null, ` → ${tDynamic(`wo.level.${s.escalatedTo}`, s.escalatedTo)}`)
          : null,
        s.note ? h("q", null, s.note) : null,
        s.photo
          ? h("img", { class: "wo-photo", src: s.photo, alt: t("wo.photo") })
          : s.hasPhoto
            ? h("span", { class: "muted" }, ` (${t("wo.photo")})`)
            : null,
      ),
    ),
  );
}

/**
 * @param {WorkOrder} o
 * @param {{ operator: boolean, onChange: () => void }} opts
 */
export function workOrderCard(o, opts) {
  const note = h("textarea", {
    name: "note",
    rows: 2,
    maxlength: 1000,
    placeholder: t("wo.note"),
    "aria-label": t("wo.note"),
  });
  const photo = /** @type {HTMLInputElement} */ (
    h("input", { type: "file", name: "photo", accept: "image/*", capture: "environment" })
  );
  const message = h("span", { class: "form-message", role: "status" });
  const next = [...(WORKER_NEXT[o.state] ?? [])];
  if (opts.operator && o.state === "resolved") next.push("closed");
  /** @param {string} to */
  const take = async (to) => {
    message.textContent = "";
    try {
      /** @type {{ to: string, note?: string, photo?: string }} */
      const body = { to };
      const text = note.value.trim();
      if (text) body.note = text;
      const file = photo.files?.[0];
      if (file) body.photo = await shrinkPhoto(file);
      if (to === "note" && !body.note && !body.photo) {
        message.textContent = t("wo.needNote");
        return;
      }
      await stepOrder(o.site, o.id, body);
      opts.onChange();
    } catch (err) {
      message.textContent = t("wo.failed", {
        reason: err instanceof Error ? err.message : String(err),
      });
    }
  };
  const open = o.state !== "closed";
  return h(
    "section",
    {
      class: `card work-order${o.overdue ? " overdue" : ""}`,
      "data-testid": "work-order",
      "data-id": o.id,
      "data-state": o.state,
    },
    h(
      "div",
      { class: "title-row" },
      h("h2", null, severityBadge(o.severity), " ", orderTitle(o)),
      h(
        "span",
        { class: `badge wo-state wo-${o.state}`, "data-testid": "wo-state" },
        tDynamic(`wo.state.${o.state}`, o.state),
      ),
    ),
    h("p", null, h("strong", null, o.place), " · ", o.site, ` · ${o.id}`),
    o.assignee ? h("p", { class: "muted" }, t("wo.assignee", { who: o.assignee })) : null,
    deadlineLine(o),
    o.alarmId
      ? h(
          "p",
          null,
          h(
            "a",
            { href: `#/alarm/${encodeURIComponent(o.site)}/${encodeURIComponent(o.alarmId)}` },
            t("wo.openAlarm"),
          ),
        )
      : null,
    stepList(o),
    open
      ? h(
          "form",
          { class: "wo-form", onsubmit: (/** @type {Event} */ e) => e.preventDefault() },
          note,
          h("label", { class: "wo-photo-input" }, t("wo.addPhoto"), " ", photo),
          h(
            "div",
            { class: "form-row wo-actions" },
            next.map((to) =>
              h(
                "button",
                {
                  type: "button",
                  class: "primary",
                  "data-testid": `wo-step-${to}`,
                  onclick: () => void take(to),
                },
                tDynamic(`wo.do.${to}`, to),
              ),
            ),
            h(
              "button",
              { type: "button", "data-testid": "wo-step-note", onclick: () => void take("note") },
              t("wo.do.note"),
            ),
            message,
          ),
        )
      : null,
  );
}
