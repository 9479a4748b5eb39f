/** The form that names a grid worker for a work order (dispatching an alarm, assigning a report). */
import { h } from "../dom.js";
import { t } from "../i18n.js";

/**
 * @param {{ testId: string, submit: string, withNote: boolean,
 *   send: (assignee: string, note: string | undefined) => Promise<unknown>, onDone: () => void }} opts
 */
export function assignForm(opts) {
  const who = h("input", {
    name: "assignee",
    required: true,
    maxlength: 64,
    placeholder: t("wo.assigneeName"),
    "aria-label": t("wo.assigneeName"),
  });
  const note = opts.withNote
    ? h("input", { name: "note", maxlength: 1000, placeholder: t("wo.note") })
    : null;
  const message = h("span", { class: "form-message", role: "status" });
  /** @param {Event} e */
  const submit = async (e) => {
    e.preventDefault();
    const assignee = who.value.trim();
    if (!assignee) return;
    try {
      await opts.send(assignee, note?.value.trim() || undefined);
      opts.onDone();
    } catch (err) {
      message.textContent = t("wo.failed", {
        reason: err instanceof Error ? err.message : String(err),
      });
    }
  };
  return h(
    "form",
    { class: "form-row", onsubmit: submit, "data-testid": opts.testId },
    who,
    note,
    h("button", { type: "submit", class: "primary" }, opts.submit),
    message,
  );
}
