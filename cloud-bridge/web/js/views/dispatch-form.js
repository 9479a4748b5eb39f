/**
 * On an alarm's page: hand the alarm to a grid worker as a work order
 * (operator role; the API refuses a viewer), or show the order it already has.
 */
import { h } from "../dom.js";
import { t, tDynamic } from "../i18n.js";
import { createOrder, listSiteOrders } from "../work-order-api.js";

/**
 * @param {string} site
 * @param {string} alarmId
 * @param {() => void} onDone
 */
export function dispatchForm(site, alarmId, onDone) {
  const box = h("div", { class: "dispatch", "data-testid": "dispatch" });
  const who = h("input", {
    name: "assignee",
    required: true,
    maxlength: 64,
    placeholder: t("wo.assigneeName"),
    "aria-label": t("wo.assigneeName"),
  });
  const note = h("input", { name: "note", maxlength: 1000, placeholder: t("wo.note") });
  const message = h("span", { class: "form-message", role: "status" });
  /** @param {Event} e */
  const submit = async (e) => {
    e.preventDefault();
    const assignee = who.value.trim();
    if (!assignee) return;
    try {
      const text = note.value.trim();
      await createOrder(site, { alarmId, assignee, ...(text ? { note: text } : {}) });
      onDone();
    } catch (err) {
      message.textContent = t("wo.failed", {
        reason: err instanceof Error ? err.message : String(err),
      });
    }
  };
  const form = h(
    "form",
    { class: "form-row", onsubmit: submit, "data-testid": "dispatch-form" },
    who,
    note,
    h("button", { type: "submit", class: "primary" }, t("wo.dispatch")),
    message,
  );
  box.append(form);
  void listSiteOrders(site)
    .then((orders) => {
      const o = orders.find((x) => x.alarmId === alarmId && x.state !== "closed");
      if (!o) return;
      box.replaceChildren(
        h(
          "p",
          { "data-testid": "dispatched" },
          t("wo.dispatched", { id: o.id, who: o.assignee ?? "" }),
          " ",
          h("span", { class: "badge" }, tDynamic(`wo.state.${o.state}`, o.state)),
          " ",
          h("a", { href: `#/work-orders/${encodeURIComponent(site)}` }, t("wo.siteLink")),
        ),
      );
    })
    .catch(() => undefined);
  return box;
}
