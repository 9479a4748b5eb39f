/**
 * A welfare or wandering alarm whose chain reaches a step with `workOrderTo`
 * becomes a work order (cloud-bridge/work-orders/) assigned to that person,
 * unless the alarm has one already: the grid worker then takes it through its
 * steps on the phone like any dispatched alarm. Uses the work-order book's
 * own API only; the order's steps reach the alarm's timeline as usual.
 */
import type { ApiContext } from "../api/context.js";
import { announce } from "../api/work-order-routes.js";
import type { ChainAlarm } from "./chain-runner.js";

export function openChainWorkOrder(
  ctx: ApiContext,
  a: ChainAlarm,
  assignee: string,
  stepName: string,
  now: number,
): void {
  if (ctx.workOrders.forAlarm(a.site, a.alarmId)) return;
  const o = ctx.workOrders.create(
    {
      site: a.site,
      source: { kind: "alarm", alarmId: a.alarmId, alarmKind: a.kind },
      severity: a.severity,
      title: a.kind,
      place: a.location ?? a.building ?? a.deviceId,
      by: `guardian-chain:${stepName}`,
      assignee,
    },
    now,
  );
  for (let i = 1; i <= o.steps.length; i++) announce(ctx, { ...o, steps: o.steps.slice(0, i) });
}
