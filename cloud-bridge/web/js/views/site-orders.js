/**
 * A site's work orders (#/work-orders/:site) for the operator: every order,
 * most urgent first; a resident's report that nobody took yet can be assigned
 * to a grid worker here; a resolved one can be closed. Live.
 */
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { subscribe } from "../live.js";
import { obj, str } from "../narrow.js";
import { listSiteOrders, stepOrder } from "../work-order-api.js";
import { assignForm } from "./assign-form.js";
import { showError, showLoading } from "./common.js";
import { workOrderCard } from "./work-order-card.js";

/** @type {import("../app.js").View} */
export function siteOrdersView(root, ctx) {
  const site = ctx.params[0] ?? "";
  const body = h("div", { class: "grid", "data-testid": "site-orders" });
  root.append(
    h(
      "div",
      { class: "title-row" },
      h("h1", null, t("wo.siteTitle", { site })),
      h("a", { class: "button", href: `#/site/${encodeURIComponent(site)}` }, t("app.back")),
    ),
    body,
  );
  let stopped = false;
  const load = async () => {
    try {
      const orders = await listSiteOrders(site);
      if (stopped) return;
      if (orders.length === 0) {
        replace(body, h("p", { class: "muted" }, t("wo.none")));
        return;
      }
      const reload = () => void load();
      replace(
        body,
        orders.map((o) => {
          const card = workOrderCard(o, { operator: true, onChange: reload });
          if (o.state === "open")
            card.append(
              assignForm({
                testId: "wo-assign",
                submit: t("wo.assign"),
                withNote: false,
                send: (assignee) => stepOrder(o.site, o.id, { to: "assigned", assignee }),
                onDone: reload,
              }),
            );
          return card;
        }),
      );
    } catch (err) {
      if (!stopped) showError(body, err, load);
    }
  };
  showLoading(body);
  void load();
  const unsub = subscribe("work-order", (data) => {
    if (str(obj(data).site) === site) void load();
  });
  return () => {
    stopped = true;
    unsub();
  };
}
