/**
 * Delivers alarm transitions to the configured notification channels: the
 * log, a webhook (HTTP POST of the transition as JSON with the text), or an
 * MQTT topic on a broker the wiring provides. A failing channel is logged and
 * counted; it never blocks the others or the alarm path.
 */
import type { Logger } from "../../common/log.js";
import type { AlarmTransition } from "../../protocol/uplink.js";
import type { EscalationPolicyConfig, NotificationChannelConfig } from "../config/site-config.js";
import { notificationTargets, notificationText } from "./notify-route.js";

export interface NotifierOptions {
  channels: readonly NotificationChannelConfig[];
  escalation: readonly EscalationPolicyConfig[];
  logger: Logger;
  /** Publishes on the local broker for `mqtt` channels. */
  mqttPublish?: (topic: string, payload: string) => void;
  fetch?: typeof fetch;
  webhookTimeoutMs?: number;
}

export interface NotifierStats {
  sent: Record<string, number>;
  failed: Record<string, number>;
}

export class Notifier {
  readonly stats: NotifierStats = { sent: {}, failed: {} };
  private opts: NotifierOptions;
  private readonly pending = new Set<Promise<void>>();

  constructor(opts: NotifierOptions) {
    this.opts = opts;
  }

  /** After a config reload. */
  configure(
    channels: readonly NotificationChannelConfig[],
    escalation: readonly EscalationPolicyConfig[],
  ): void {
    this.opts = { ...this.opts, channels, escalation };
  }

  notify(t: AlarmTransition): void {
    const text = notificationText(t);
    for (const c of notificationTargets(t, this.opts.channels, this.opts.escalation)) {
      try {
        this.deliver(c, t, text);
      } catch (e) {
        this.fail(c, e);
      }
    }
  }

  /** Waits for webhook deliveries in flight (for a clean stop and for tests). */
  async drain(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private deliver(c: NotificationChannelConfig, t: AlarmTransition, text: string): void {
    switch (c.type) {
      case "log":
        this.opts.logger.warn("alarm notification", { channel: c.id, text, alarmId: t.alarmId });
        this.ok(c);
        return;
      case "mqtt":
        if (!this.opts.mqttPublish) throw new Error("no local broker to publish on");
        this.opts.mqttPublish(c.topic ?? "", JSON.stringify({ text, transition: t }));
        this.ok(c);
        return;
      case "webhook": {
        const f = this.opts.fetch ?? fetch;
        const p = f(c.url ?? "", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ text, transition: t }),
          signal: AbortSignal.timeout(this.opts.webhookTimeoutMs ?? 5000),
        })
          .then((res) => {
            if (!res.ok) throw new Error(`HTTP ${res.status}`);
            this.ok(c);
          })
          .catch((e: unknown) => this.fail(c, e))
          .finally(() => this.pending.delete(p));
        this.pending.add(p);
        return;
      }
    }
  }

  private ok(c: NotificationChannelConfig): void {
    this.stats.sent[c.id] = (this.stats.sent[c.id] ?? 0) + 1;
  }

  private fail(c: NotificationChannelConfig, e: unknown): void {
    this.stats.failed[c.id] = (this.stats.failed[c.id] ?? 0) + 1;
    this.opts.logger.error("notification failed", {
      channel: c.id,
      error: e instanceof Error ? e.message : String(e),
    });
  }
}
