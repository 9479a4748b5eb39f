/**
 * Devices heard but not commissioned, each with an Approve button. Approving
 * asks for the kind (pre-filled from the frames heard) and the location.
 */
import { approve, listPending } from "../api.js";
import { h, replace } from "../dom.js";
import { formatAgo, formatDateTime } from "../format.js";
import { t } from "../i18n.js";
import { subscribeAll } from "../live.js";
import { kindName, showError, showLoading, throttle } from "./common.js";

/** @typedef {import("../models.js").PendingDevice} PendingDevice */

const KINDS = ["smoke", "charger", "guardian"];

/** @type {import("../app.js").View} */
export function pendingView(root) {
  const message = h("p", {
    class: "form-message",
    role: "status",
    "data-testid": "pending-message",
  });
  const box = h("div", { class: "grid", "data-testid": "pending" });
  root.append(
    h("h1", null, t("pending.title")),
    h("p", { class: "muted" }, t("pending.intro")),
    message,
    box,
  );
  let stopped = false;
  /** @type {PendingDevice[]} */
  let pending = [];
  /** @type {string | undefined} */
  let open;

  const show = () => {
    if (pending.length === 0) {
      replace(box, h("p", { class: "muted", "data-testid": "no-pending" }, t("pending.empty")));
      return;
    }
    const now = Date.now();
    replace(
      box,
      pending.map((p) =>
        h(
          "section",
          { class: "card", "data-device": p.deviceId },
          h("h2", null, h("code", null, p.deviceId)),
          p.kindHint ? h("p", null, t("pending.kindHint", { kind: kindName(p.kindHint) })) : null,
          h(
            "dl",
            { class: "stats" },
            h("dt", null, t("pending.firstHeard")),
            h("dd", null, formatDateTime(p.firstHeard)),
            h("dt", null, t("pending.lastHeard")),
            h("dd", null, formatAgo(p.lastHeard, now)),
            h("dt", null, t("pending.frames")),
            h("dd", null, p.count),
            h("dt", null, t("pending.receivers")),
            h("dd", null, p.receivers.join(", ") || "–"),
          ),
          open === p.deviceId
            ? approveForm(p)
            : h(
                "button",
                {
                  type: "button",
                  class: "primary",
                  "data-testid": "approve",
                  onclick: () => {
                    open = p.deviceId;
                    show();
                  },
                },
                t("pending.approve"),
              ),
        ),
      ),
    );
  };
  /** @param {PendingDevice} p */
  const approveForm = (p) => {
    const kind = h(
      "select",
      { name: "kind", required: true },
      KINDS.map((k) =>
        h("option", { value: k, selected: k === (p.kindHint ?? "smoke") }, kindName(k)),
      ),
    );
    const location = h("input", { name: "location", type: "text", maxlength: 120 });
    const button = h("button", { type: "submit", class: "primary" }, t("pending.confirm"));
    /** @param {Event} e */
    const submit = async (e) => {
      e.preventDefault();
      button.disabled = true;
      try {
        await approve(p.deviceId, {
          kind: kind.value,
          ...(location.value.trim() ? { location: location.value.trim() } : {}),
        });
        message.textContent = t("pending.approved", { id: p.deviceId });
        open = undefined;
        await load();
      } catch (err) {
        message.textContent = t("pending.failed", {
          reason: err instanceof Error ? err.message : String(err),
        });
        button.disabled = false;
      }
    };
    return h(
      "form",
      { class: "approve-form", onsubmit: submit, "data-testid": "approve-form" },
      h("label", null, t("devices.kind"), kind),
      h("label", null, t("pending.location"), location),
      button,
    );
  };
  const load = async () => {
    try {
      const next = await listPending();
      if (stopped) return;
      pending = next.sort((a, b) => b.lastHeard - a.lastHeard);
      show();
    } catch (err) {
      if (!stopped) showError(box, err, load);
    }
  };
  showLoading(box);
  void load();
  // A form being filled in is not re-rendered away by a refresh.
  const refresh = throttle(() => {
    if (open === undefined) void load();
  }, 2000);
  const unsub = subscribeAll(refresh);
  return () => {
    stopped = true;
    unsub();
  };
}
