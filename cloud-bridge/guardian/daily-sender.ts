/**
 * Sends each opted-in resident's daily summary (daily-summary.ts) to the
 * family's webhooks through the bridge's webhook sender, once per local day.
 * The last day sent per resident is kept with the resident states
 * (resident-store.ts), so a restart does not send a day twice; a repeat
 * from another instance carries the same idempotency key.
 */
import type { Logger } from "../../common/log.js";
import { bodyHead, type WebhookSender } from "../alarms/webhook-sender.js";
import { RESIDENT_ALARM_KINDS } from "../api/resident-access.js";
import type { BridgeConfig } from "../config/types.js";
import type { LiveState } from "../live/live-state.js";
import type { MetricsRegistry } from "../metrics/registry.js";
import { summarise, summaryDue } from "./daily-summary.js";

export class DailySummaries {
  /** Last local day sent, by "site/deviceId". */
  readonly lastSent = new Map<string, string>();
  private readonly sent;

  constructor(
    private readonly cfg: BridgeConfig,
    private readonly live: LiveState,
    private readonly sender: WebhookSender,
    private readonly log: Logger,
    metrics: MetricsRegistry,
  ) {
    this.sent = metrics.counter(
      "haitang_bridge_guardian_daily_summaries_total",
      "Daily resident summaries sent to families, by whether all was well",
    );
  }

  /** Sends the summaries due at `now`; call on every guardian tick. Returns how many were due. */
  async tick(now: number): Promise<number> {
    const g = this.cfg.guardian;
    const sends: Promise<unknown>[] = [];
    let due = 0;
    for (const r of g.residents) {
      if (!r.dailySummary) continue;
      const site = this.cfg.sites[r.site];
      if (!site) continue;
      const id = `${r.site}/${r.deviceId}`;
      const day = summaryDue(now, site.utcOffsetMinutes, g.dailySummaryAt, this.lastSent.get(id));
      if (!day) continue;
      this.lastSent.set(id, day);
      due++;
      const raises = this.live
        .alarms(r.site, {})
        .filter((a) => a.deviceId === r.deviceId && RESIDENT_ALARM_KINDS.has(a.kind))
        .map((a) => a.raisedAt);
      const summary = summarise(
        day,
        r.deviceId,
        this.live.resident(r.site, r.deviceId),
        raises,
        now,
      );
      this.sent.inc({ allWell: summary.allWell ? "yes" : "no" });
      this.log.info("daily resident summary", {
        site: r.site,
        deviceId: r.deviceId,
        day,
        allWell: summary.allWell,
      });
      const key = `${id}/daily/${day}`;
      const event = "guardian.daily";
      for (const hook of this.cfg.webhooks.filter((h) => r.family.includes(h.name)))
        sends.push(
          this.sender.deliver(hook, {
            idempotencyKey: key,
            event,
            body: (attempt, sentAt) => ({
              ...bodyHead(key, event, attempt, sentAt, hook, r.site, site.name),
              summary,
            }),
          }),
        );
    }
    await Promise.all(sends);
    return due;
  }
}
