/**
 * A work order that missed its deadline reaches the people of the next level:
 * one signed webhook call (alarms/webhook-sender.ts: retries with back-off,
 * a dead letter counted when it gives up) to each webhook that
 * `workOrders.webhooks` names for the level's people (e.g. "grid-leader" ->
 * the grid leader's SMS gateway) and that serves the order's site.
 * Event `work-order.escalated`; the idempotency key is the same for every
 * copy of one escalation, so a receiver drops repeats.
 */

import { bodyHead, type WebhookSender } from "../alarms/webhook-sender.js";
import type { BridgeConfig, WebhookConfig } from "../config/types.js";
import type { WorkOrder } from "./work-order.js";

export const WORK_ORDER_ESCALATED = "work-order.escalated";

/** Webhooks told when an order escalates to `escalatedTo` at `site`. Pure. */
export function workOrderTargets(
  cfg: Pick<BridgeConfig, "webhooks" | "workOrders">,
  site: string,
  escalatedTo: string,
): WebhookConfig[] {
  const names = cfg.workOrders.webhooks[escalatedTo] ?? [];
  return cfg.webhooks.filter(
    (h) => names.includes(h.name) && (h.sites.includes("*") || h.sites.includes(site)),
  );
}

export class WorkOrderNotifier {
  constructor(
    private readonly cfg: BridgeConfig,
    private readonly sender: WebhookSender,
  ) {}

  /** Tells the escalated order's new level; resolves once each first attempt has finished. */
  async escalated(o: WorkOrder): Promise<void> {
    const step = [...o.steps].reverse().find((s) => s.what === "escalated");
    if (!step?.escalatedTo) return;
    const escalatedTo = step.escalatedTo;
    const key = `${o.site}/work-order/${o.id}/escalated/${o.level}`;
    const siteName = this.cfg.sites[o.site]?.name;
    await Promise.all(
      workOrderTargets(this.cfg, o.site, escalatedTo).map((hook) =>
        this.sender.deliver(hook, {
          idempotencyKey: key,
          event: WORK_ORDER_ESCALATED,
          body: (attempt, sentAt) => ({
            ...bodyHead(key, WORK_ORDER_ESCALATED, attempt, sentAt, hook, o.site, siteName),
            workOrder: {
              id: o.id,
              title: o.title,
              place: o.place,
              severity: o.severity,
              state: o.state,
              level: o.level,
              escalatedTo,
              escalatedAt: step.at,
              ...(o.assignee !== undefined ? { assignee: o.assignee } : {}),
              createdAt: o.createdAt,
              deadlineAt: o.deadlineAt,
              ...(o.source.kind === "alarm"
                ? { alarm: { id: o.source.alarmId, kind: o.source.alarmKind } }
                : { report: true }),
            },
          }),
        }),
      ),
    );
  }
}
