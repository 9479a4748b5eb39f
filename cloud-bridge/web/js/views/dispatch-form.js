/**
 * On an alarm's page: hand the alarm to a grid worker as a work order
 * (operator role; the API refuses a viewer), or show the order it already has.
 */
import { h } from "../dom.js";
import { t, tDynamic } from "../i18n.js";
import { createOrder, listSiteOrders } from "../work-order-api.js";
import { assignForm } from "./assign-form.js";

/**
 * @param {string} site
 * @param {string} alarmId
 * @param {() => void} onDone
 */
export function dispatchForm(site, alarmId, onDone) {
  const box = h("div", { class: "dispatch", "data-testid": "dispatch" });
  const form = assignForm({
    testId: "dispatch-form",
    submit: t("wo.dispatch"),
    withNote: true,
    send: (assignee, note) =>
      createOrder(site, { alarmId, assignee, ...(note !== undefined ? { note } : {}) }),
    onDone,
  });
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
