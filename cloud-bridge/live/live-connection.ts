/**
 * The instance's own view of everything: a plain (not shared) subscription
 * to the whole tree at QoS 0 on a clean session. Retained gateway status
 * arrives first, then every message live. It feeds the in-memory state, the
 * server-sent events and command responses; storage and notifications go
 * through the shared subscription, where each message reaches one instance.
 * The same connection publishes operator commands.
 */
import mqtt, { type MqttClient } from "mqtt";
import type { Logger } from "../../common/log.js";
import { filters } from "../../protocol/uplink.js";
import type { MqttConfig } from "../config/types.js";
import { mqttOptions } from "../ingest/mqtt-options.js";

export class LiveConnection {
  private client: MqttClient | undefined;

  constructor(
    private readonly cfg: MqttConfig,
    private readonly clientId: string,
    private readonly onMessage: (topic: string, payload: Buffer) => void,
    private readonly log: Logger,
    /** More topic filters to hear (e.g. bridge instances' presence). */
    private readonly extraFilters: string[] = [],
  ) {}

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  start(): Promise<void> {
    const opts = mqttOptions(this.cfg, this.clientId);
    opts.clean = true;
    const client = mqtt.connect(this.cfg.url, opts);
    this.client = client;
    client.on("message", (topic, payload) => {
      try {
        this.onMessage(topic, payload);
      } catch (err) {
        this.log.error("live message handler threw", {
          topic,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    });
    client.on("error", (err) => this.log.warn("mqtt error", { error: err.message }));
    return new Promise((resolve, reject) => {
      let first = true;
      client.on("connect", () => {
        client.subscribe([filters.all, ...this.extraFilters], { qos: 0 }, (err) => {
          if (err) this.log.error("subscribe failed", { error: err.message });
          if (first) {
            first = false;
            if (err) reject(err);
            else resolve();
          }
        });
      });
    });
  }

  async publish(topic: string, payload: string, retain = false): Promise<void> {
    const c = this.client;
    if (!c) throw new Error("not started");
    await c.publishAsync(topic, payload, { qos: 1, retain });
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await c.endAsync(false);
  }

  abort(): void {
    const c = this.client;
    this.client = undefined;
    if (!c) return;
    c.options.reconnectPeriod = 0;
    c.stream?.destroy();
    c.end(true);
  }
}
