/** The acknowledge form: a required comment, sent to the fleet API, result shown in place. */
import { acknowledgeAlarm } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";

/**
 * @param {string} site
 * @param {string} alarmId
 * @param {() => void} onDone called after the gateway accepted the acknowledgement
 */
export function ackForm(site, alarmId, onDone) {
  const comment = h("textarea", {
    name: "comment",
    rows: 2,
    required: true,
    maxlength: 500,
    "aria-label": t("alarms.ackComment"),
    placeholder: t("alarms.ackComment"),
  });
  const message = h("span", { class: "form-message", role: "status" });
  const button = h("button", { type: "submit", class: "primary" }, t("alarms.ackSubmit"));
  /** @param {Event} e */
  const submit = async (e) => {
    e.preventDefault();
    const text = comment.value.trim();
    if (!text) return;
    button.disabled = true;
    message.textContent = "";
    try {
      await acknowledgeAlarm(site, alarmId, text);
      message.textContent = t("alarms.ackSent");
      onDone();
    } catch (err) {
      message.textContent = t("alarms.ackFailed", {
        reason: err instanceof Error ? err.message : String(err),
      });
      button.disabled = false;
    }
  };
  return h(
    "form",
    { class: "ack-form", onsubmit: submit, "data-testid": "ack-form" },
    comment,
    h("div", { class: "form-row" }, button, message),
  );
}
