/**
 * Alarm notifications: one webhook call per alarm transition per target,
 * routed by site and severity, and escalation of unacknowledged alarms.
 * Fed by the shared subscription (each transition reaches one instance);
 * duplicates from redelivery are dropped by alarmId + transition + level.
 */
import type { Logger } from "../../common/log.js";
import { portLabel } from "../../common/port-label.js";
import type { AlarmTransition, AlarmTransitionKind } from "../../protocol/uplink.js";
import type { BridgeConfig, WebhookConfig } from "../config/types.js";
import type { AlarmView } from "../live/views.js";
import type { MetricsRegistry } from "../metrics/registry.js";
import { DedupCache } from "./dedup-cache.js";
import { dueEscalationLevel, escalationFinished } from "./escalation.js";
import { escalationTargets, notificationKey, routeTransition } from "./routing.js";
import { bodyHead, type Delivery, type WebhookSender } from "./webhook-sender.js";

export interface AlarmDelivery extends Delivery {
  site: string;
  alarmId: string;
}

type AlarmFields = Omit<AlarmView, "timeline" | "lastTransition" | "updatedAt"> & {
  transition: AlarmTransitionKind;
  ts: number;
};

interface Owned {
  site: string;
  alarmId: string;
  sentLevel: number;
  since: number;
}

export class AlarmNotifier {
  private readonly dedup: DedupCache;
  private readonly owned = new Map<string, Owned>();
  private readonly duplicates;
  private readonly notifications;

  constructor(
    private readonly cfg: BridgeConfig,
    private readonly sender: WebhookSender,
    private readonly lookup: (site: string, alarmId: string) => AlarmView | undefined,
    private readonly log: Logger,
    metrics: MetricsRegistry,
    /**
     * Kinds a guardian chain carries: the chain tells people of their raise and
     * escalation, so this notifier routes only their other transitions.
     */
    private readonly escalatedElsewhere: (kind: string) => boolean = () => false,
  ) {
    this.dedup = new DedupCache(cfg.alarms.dedupCacheSize);
    this.duplicates = metrics.counter(
      "haitang_bridge_alarm_duplicates_total",
      "Alarm transitions seen again (redelivery) and not notified again",
    );
    this.notifications = metrics.counter(
      "haitang_bridge_alarm_notifications_total",
      "Alarm notifications started, by event",
    );
    metrics.gaugeFn(
      "haitang_bridge_escalations_watched",
      "Unacknowledged alarms this instance may escalate",
      () => this.owned.size,
    );
  }

  /** Resolves once every target's first attempt has finished. */
  async onTransition(a: AlarmTransition, now: number): Promise<void> {
    const id = `${a.site}/${a.alarmId}`;
    if (
      a.transition === "raised" &&
      a.active &&
      !a.acknowledged &&
      this.cfg.escalation.levels.length > 0 &&
      !this.escalatedElsewhere(a.kind)
    ) {
      if (!this.owned.has(id))
        this.owned.set(id, { site: a.site, alarmId: a.alarmId, sentLevel: 0, since: now });
    }
    const key = notificationKey(a.site, a.alarmId, a.transition, a.level);
    if (!this.dedup.firstTime(key)) {
      this.duplicates.inc();
      return;
    }
    const hooks = this.cfg.webhooks;
    const chained =
      this.escalatedElsewhere(a.kind) &&
      (a.transition === "raised" || a.transition === "escalated");
    if (chained) return;
    const targets = routeTransition(a, a.transition, hooks);
    if (a.transition === "escalated" && a.level > 0) {
      for (const h of escalationTargets(a, a.level, this.cfg.escalation, hooks))
        if (!targets.includes(h)) targets.push(h);
      const o = this.owned.get(id);
      if (o) o.sentLevel = Math.max(o.sentLevel, a.level);
    }
    const { v: _v, ...fields } = a;
    await this.send(targets, key, fields, undefined);
  }

  /**
   * Watches alarms rebuilt from the database after a restart, so escalation
   * continues: levels already due count as sent (the instance that owned the
   * alarm before sent them, or they were missed while nobody ran); later levels
   * are sent. Another instance may watch the same alarm: receivers drop the
   * copy by its idempotency key.
   */
  watchRebuilt(alarms: AlarmView[], now: number): void {
    if (this.cfg.escalation.levels.length === 0) return;
    for (const a of alarms) {
      if (!a.active || a.acknowledged || this.escalatedElsewhere(a.kind)) continue;
      const due = dueEscalationLevel(a, this.cfg.escalation, 0, now);
      const sentLevel = Math.max(a.level, due);
      if (escalationFinished(a, this.cfg.escalation, sentLevel)) continue;
      this.owned.set(`${a.site}/${a.alarmId}`, {
        site: a.site,
        alarmId: a.alarmId,
        sentLevel,
        since: now,
      });
    }
  }

  /** Escalates what is due; call every `escalation.checkIntervalS`. */
  async tick(now: number): Promise<void> {
    const sends: Promise<void>[] = [];
    const policy = this.cfg.escalation;
    for (const [id, o] of this.owned) {
      const view = this.lookup(o.site, o.alarmId);
      if (!view) {
        // Not in the live state (yet, or pruned): give up after the recent window.
        if (now - o.since > this.cfg.alarms.recentHours * 3600_000) this.owned.delete(id);
        continue;
      }
      const level = dueEscalationLevel(view, policy, o.sentLevel, now);
      if (level > 0) {
        o.sentLevel = level;
        const key = notificationKey(o.site, o.alarmId, "escalated", level);
        if (this.dedup.firstTime(key)) {
          const { timeline: _t, lastTransition: _l, updatedAt: _u, ...rest } = view;
          const fields: AlarmFields = { ...rest, transition: "escalated", level, ts: now };
          const afterS = policy.levels[level - 1]!.afterS;
          this.log.info("escalating unacknowledged alarm", {
            site: o.site,
            alarmId: o.alarmId,
            level,
          });
          sends.push(
            this.send(escalationTargets(view, level, policy, this.cfg.webhooks), key, fields, {
              level,
              afterS,
            }),
          );
        }
      }
      if (escalationFinished(view, policy, o.sentLevel)) this.owned.delete(id);
    }
    await Promise.all(sends);
  }

  private async send(
    targets: WebhookConfig[],
    key: string,
    alarm: AlarmFields | Omit<AlarmTransition, "v">,
    escalation: { level: number; afterS: number } | undefined,
  ): Promise<void> {
    if (targets.length === 0) return;
    const event = `alarm.${alarm.transition}`;
    this.notifications.inc({ event });
    const siteName = this.cfg.sites[alarm.site]?.name;
    await Promise.all(
      targets.map((hook) => {
        const d: AlarmDelivery = {
          site: alarm.site,
          alarmId: alarm.alarmId,
          idempotencyKey: key,
          event,
          body: (attempt, sentAt) => ({
            ...bodyHead(key, event, attempt, sentAt, hook, alarm.site, siteName),
            // `port` stays the index from 0 (as in every API); `portLabel` is what a person reads.
            alarm:
              alarm.port === undefined ? alarm : { ...alarm, portLabel: portLabel(alarm.port) },
            ...(escalation ? { escalation: { ...escalation, source: "cloud" } } : {}),
          }),
        };
        return this.sender.deliver(hook, d).then(() => undefined);
      }),
    );
  }
}
