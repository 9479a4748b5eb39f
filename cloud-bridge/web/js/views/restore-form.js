/**
 * Restoring a cut port: the form shows why the port was cut (its state and
 * the alarm that cut it) and needs a reason; the fleet API checks the role,
 * sends the signed set-port command and records who, when and why. The form
 * says "waiting for the charger" until the charger's telemetry shows the port
 * on: the shed view, not this form, decides when the port is shown on.
 */
import { listAlarms, restorePort } from "../api.js";
import { h, replace } from "../dom.js";
import { formatDateTime } from "../format.js";
import { t } from "../i18n.js";
import { alarmEvidence, kindName, portStateName } from "./common.js";

/** @typedef {import("../models.js").PortLive} PortLive */

/**
 * @param {{ site: string, shed: string, port: PortLive, onSent: () => void }} o
 * @returns {HTMLElement}
 */
export function restoreForm(o) {
  const p = o.port;
  const why = h(
    "p",
    { "data-testid": "cut-why" },
    t("restore.why", { why: portStateName(p.state) }),
  );
  void listAlarms({ site: o.site })
    .then((alarms) => {
      const a = alarms
        .filter((x) => x.deviceId === p.deviceId && x.port === p.devicePort)
        .sort((x, y) => Number(y.active) - Number(x.active) || y.raisedAt - x.raisedAt)[0];
      if (!a) return;
      replace(
        why,
        t("restore.why", { why: portStateName(p.state) }),
        h("br"),
        t("restore.alarm", {
          kind: kindName(a.kind),
          when: formatDateTime(a.raisedAt),
          evidence: alarmEvidence(a) ?? "",
        }),
      );
    })
    .catch(() => {});
  const reason = h("textarea", {
    name: "reason",
    rows: 2,
    required: true,
    maxlength: 500,
    "aria-label": t("restore.reason"),
    placeholder: t("restore.reason"),
  });
  const message = h("span", {
    class: "form-message",
    role: "status",
    "data-testid": "restore-message",
  });
  const button = h("button", { type: "submit", class: "primary" }, t("restore.submit"));
  /** @param {Event} e */
  const submit = async (e) => {
    e.preventDefault();
    const text = reason.value.trim();
    if (!text) {
      message.textContent = t("restore.needReason");
      return;
    }
    button.disabled = true;
    message.textContent = "";
    try {
      await restorePort(o.site, o.shed, p.deviceId, p.devicePort, text);
      o.onSent();
    } catch (err) {
      message.textContent = t("restore.failed", {
        reason: err instanceof Error ? err.message : String(err),
      });
      button.disabled = false;
    }
  };
  return h(
    "form",
    { class: "restore-form", onsubmit: submit, "data-testid": "restore-form" },
    why,
    reason,
    h("div", { class: "form-row" }, button, message),
  );
}
