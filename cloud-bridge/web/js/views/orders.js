/**
 * The grid worker's phone page (#/orders): only the orders assigned to the
 * signed-in person, most urgent first, each with its next steps. Live: any
 * change to an order (a step, an escalation) reloads the list.
 */
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { subscribe } from "../live.js";
import { listMyOrders } from "../work-order-api.js";
import { showError, showLoading } from "./common.js";
import { workOrderCard } from "./work-order-card.js";

/** @type {import("../app.js").View} */
export function ordersView(root) {
  const body = h("div", { class: "orders", "data-testid": "my-orders" });
  root.append(h("h1", null, t("wo.mine")), body);
  let stopped = false;
  const load = async () => {
    try {
      const orders = await listMyOrders();
      if (stopped) return;
      if (orders.length === 0) replace(body, h("p", { class: "muted" }, t("wo.noneMine")));
      else
        replace(
          body,
          orders.map((o) => workOrderCard(o, { operator: false, onChange: () => void load() })),
        );
    } catch (err) {
      if (!stopped) showError(body, err, load);
    }
  };
  showLoading(body);
  void load();
  const unsub = subscribe("work-order", () => void load());
  return () => {
    stopped = true;
    unsub();
  };
}
