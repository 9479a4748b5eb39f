/**
 * The bridge's share of the gateways' messages: an MQTT v5 shared subscription
 * `$share/<group>/haitang/v1/+/+/#` at QoS 1 on a persistent session, with
 * each PUBACK held back until the handler says the message is done.
 *
 * mqtt.js's `customHandleAcks` alone would hold back the whole client (it
 * reads the next packet only after the previous one is acknowledged), so one
 * slow write would allow one message in flight. Instead the handler is called
 * from `customHandleAcks`, mqtt.js's own PUBACK is swallowed on its way out,
 * and the AckSequencer sends the real PUBACK later, in arrival order. The
 * broker then has up to Receive Maximum messages in flight to this instance.
 */
import mqtt, { type IPublishPacket, type MqttClient } from "mqtt";
import type { Logger } from "../../common/log.js";
import { filters } from "../../protocol/uplink.js";
import type { MqttConfig } from "../config/types.js";
import type { MetricsRegistry } from "../metrics/registry.js";
import { AckSequencer } from "./ack-sequencer.js";
import { mqttOptions } from "./mqtt-options.js";

/** Called once per delivered message; call `done` when it may be acknowledged. */
export type MessageHandler = (topic: string, payload: Buffer, done: () => void) => void;

type SendPacket = (packet: Record<string, unknown>, cb?: (err?: Error) => void) => void;

export interface SharedSubscriberOptions {
  /**
   * Taking over a crashed peer's session (its client id): never reconnect
   * (that would kick the peer when it returns), never subscribe anew, no
   * presence of its own.
   */
  adopting?: boolean;
  /** Retained presence topic: "up" after connecting, "stopped" on stop, "crashed" as the will. */
  presenceTopic?: string;
}

export type PresenceState = "up" | "stopped" | "crashed" | "adopted";

export function presencePayload(
  instance: string,
  state: PresenceState,
  ts: number,
  by?: string,
): string {
  return JSON.stringify({ instance, state, ts, ...(by ? { by } : {}) });
}

export class SharedSubscriber {
  private client: MqttClient | undefined;
  private sequencer: AckSequencer | undefined;
  private readonly received;
  private readonly acked;
  private readonly resets;

  constructor(
    private readonly cfg: MqttConfig,
    private readonly clientId: string,
    private readonly handler: MessageHandler,
    private readonly log: Logger,
    metrics: MetricsRegistry,
    private readonly opts: SharedSubscriberOptions = {},
  ) {
    this.received = metrics.counter(
      "haitang_bridge_messages_received_total",
      "Messages delivered by the shared subscription",
    );
    this.acked = metrics.counter("haitang_bridge_messages_acked_total", "PUBACKs sent");
    this.resets = metrics.counter(
      "haitang_bridge_unacked_on_disconnect_total",
      "Messages left unacknowledged when the connection dropped (the broker resends them)",
    );
    if (opts.adopting) return;
    metrics.gaugeFn(
      "haitang_bridge_unacked_messages",
      "Messages received and not yet acknowledged",
      () => this.sequencer?.pending ?? 0,
    );
  }

  get topicFilter(): string {
    return `$share/${this.cfg.shareGroup}/${filters.all}`;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  get unacked(): number {
    return this.sequencer?.pending ?? 0;
  }

  /** True once a connection of this subscriber closed (an adoption that lost its session). */
  private connectionLost = false;
  private localReceived = 0;

  start(): Promise<void> {
    const opts = mqttOptions(this.cfg, this.clientId);
    opts.clean = false;
    opts.properties = {
      sessionExpiryInterval: this.cfg.sessionExpiryS,
      receiveMaximum: this.cfg.receiveMaximum,
    };
    const presence = this.opts.presenceTopic;
    if (this.opts.adopting) opts.reconnectPeriod = 0;
    else if (presence) {
      opts.will = {
        topic: presence,
        payload: Buffer.from(presencePayload(this.clientId, "crashed", Date.now())),
        qos: 1,
        retain: true,
      };
    }
    opts.customHandleAcks = (topic, message, packet, cb) => {
      this.deliver(topic, message, packet);
      cb(0);
    };
    const client = mqtt.connect(this.cfg.url, opts);
    this.client = client;
    const send = (client as unknown as { _sendPacket: SendPacket })._sendPacket.bind(client);
    (client as unknown as { _sendPacket: SendPacket })._sendPacket = (packet, cb) => {
      // mqtt.js's immediate PUBACK: dropped; the sequencer sends the real one.
      if (packet.cmd === "puback") return cb?.();
      send(packet, cb);
    };
    this.sequencer = new AckSequencer((messageId) => {
      if (!client.connected) return;
      send({ cmd: "puback", messageId, reasonCode: 0 });
      this.acked.inc();
    });
    client.on("message", (topic, payload, packet) => {
      if (packet.qos === 0) {
        this.received.inc({ qos: "0" });
        this.localReceived++;
        this.handler(topic, payload, () => {});
      }
    });
    client.on("close", () => {
      this.connectionLost = true;
      const dropped = this.sequencer?.reset() ?? 0;
      if (dropped > 0) {
        this.resets.inc({}, dropped);
        this.log.warn("connection lost with messages unacknowledged; the broker will resend them", {
          dropped,
        });
      }
    });
    client.on("error", (err) => this.log.warn("mqtt error", { error: err.message }));
    return new Promise((resolve, reject) => {
      let first = true;
      client.on("connect", (connack) => {
        this.log.info("connected", {
          clientId: this.clientId,
          sessionPresent: connack.sessionPresent,
        });
        if (presence && !this.opts.adopting) {
          client.publish(presence, presencePayload(this.clientId, "up", Date.now()), {
            qos: 1,
            retain: true,
          });
        }
        if (!connack.sessionPresent && this.opts.adopting) {
          if (first) {
            first = false;
            resolve();
          }
        } else if (!connack.sessionPresent) {
          client.subscribe(this.topicFilter, { qos: 1 }, (err) => {
            if (err) this.log.error("subscribe failed", { error: err.message });
            if (first) {
              first = false;
              if (err) reject(err);
              else resolve();
            }
          });
        } else if (first) {
          first = false;
          resolve();
        }
      });
      client.once("error", (err) => {
        if (first) {
          first = false;
          reject(err);
        }
      });
    });
  }

  private deliver(topic: string, payload: Buffer, packet: IPublishPacket) {
    const seq = this.sequencer!;
    const slot = seq.register(packet.messageId ?? 0);
    this.localReceived++;
    this.received.inc({ qos: String(packet.qos) });
    try {
      this.handler(topic, payload, () => seq.complete(slot));
    } catch (err) {
      // A handler bug must not stall the acknowledgements behind this message.
      this.log.error("message handler threw", {
        topic,
        error: err instanceof Error ? err.message : String(err),
      });
      seq.complete(slot);
    }
  }

  /**
   * Leaves the share group without losing anything: unsubscribe (the broker
   * stops choosing this instance), let `flush` write and acknowledge what is
   * in flight, wait until nothing more arrives, then end the session
   * (DISCONNECT with Session Expiry Interval 0, MQTT 5.0 §3.14.2.2.2) so the
   * broker does not keep queueing messages for an instance that is gone.
   * If the drain times out the session is kept, and with it the unacknowledged
   * messages, for the next start with the same client id.
   */
  async stop(flush: () => Promise<void> = async () => {}, timeoutMs = 10_000): Promise<boolean> {
    const c = this.client;
    if (!c) return false;
    this.connectionLost = false;
    const deadline = Date.now() + timeoutMs;
    let drained = false;
    if (c.connected) {
      try {
        await c.unsubscribeAsync(this.topicFilter);
        let lastReceived = -1;
        while (Date.now() < deadline) {
          await Promise.race([
            flush(),
            new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now()))),
          ]);
          const received = this.localReceived;
          if ((this.sequencer?.pending ?? 0) === 0 && received === lastReceived) {
            drained = true;
            break;
          }
          lastReceived = received;
          await new Promise((r) => setTimeout(r, 100));
        }
      } catch (err) {
        this.log.warn("drain failed", { error: err instanceof Error ? err.message : String(err) });
      }
    }
    this.client = undefined;
    if (drained && !this.connectionLost && c.connected) {
      const presence = this.opts.presenceTopic;
      if (presence && !this.opts.adopting) {
        await c.publishAsync(presence, presencePayload(this.clientId, "stopped", Date.now()), {
          qos: 1,
          retain: true,
        });
      }
      await c.endAsync(false, { properties: { sessionExpiryInterval: 0 } });
      return true;
    }
    this.log.warn("stopping with messages in flight; the session keeps them", {
      pending: this.sequencer?.pending ?? 0,
    });
    const presence = this.opts.presenceTopic;
    if (presence && !this.opts.adopting && c.connected) {
      // Gone with a session that holds messages: peers may adopt it, as after a crash.
      await c
        .publishAsync(presence, presencePayload(this.clientId, "crashed", Date.now()), {
          qos: 1,
          retain: true,
        })
        .catch(() => undefined);
    }
    await c.endAsync(false);
    return false;
  }

  /** Drops the connection without DISCONNECT, as a crash would (tests). */
  abort(): void {
    const c = this.client;
    this.client = undefined;
    if (!c) return;
    c.options.reconnectPeriod = 0;
    c.stream?.destroy();
    c.end(true);
  }
}
