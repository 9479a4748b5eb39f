/**
 * MQTT ingest through an external broker (e.g. Mosquitto on the gateway):
 * the gateway subscribes to every device's up topic and publishes downlinks.
 * Device authentication is the broker's job here; the frame MAC still is ours.
 */
import mqtt, { type MqttClient } from "mqtt";
import type { Logger } from "../../common/log.js";
import type { Link } from "../downlink/link.js";
import { DEVICE_UP_FILTER, deviceDownTopic } from "./device-topics.js";
import { MQTT_RECEIVER } from "./mqtt-broker.js";

export interface ExternalMqttOptions {
  url: string;
  username?: string;
  password?: string;
  clientId: string;
}

export class ExternalMqttIngest implements Link {
  readonly id = MQTT_RECEIVER;
  private client: MqttClient | undefined;

  constructor(
    private readonly opts: ExternalMqttOptions,
    private readonly onPayload: (topic: string, payload: Uint8Array) => void,
    private readonly log: Logger,
  ) {}

  start(): void {
    const o: mqtt.IClientOptions = {
      clientId: this.opts.clientId,
      clean: false,
      reconnectPeriod: 1000,
      protocolVersion: 5,
    };
    if (this.opts.username !== undefined) o.username = this.opts.username;
    if (this.opts.password !== undefined) o.password = this.opts.password;
    const c = mqtt.connect(this.opts.url, o);
    this.client = c;
    c.on("connect", () => {
      this.log.info("connected to the device broker", { url: this.opts.url });
      // PUBACKs and downlinks are small: do not hold them back for Nagle's algorithm.
      (c.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      c.subscribe(DEVICE_UP_FILTER, { qos: 1 });
    });
    c.on("message", (topic, payload) => {
      try {
        // A view of mqtt.js's buffer, not a copy (the pipeline keeps only what it accepts).
        this.onPayload(topic, new Uint8Array(payload.buffer, payload.byteOffset, payload.length));
      } catch (err) {
        this.log.error("mqtt ingest failed", { error: String(err) });
      }
    });
    c.on("error", (err) => this.log.warn("device broker error", { error: err.message }));
  }

  isUp(): boolean {
    return this.client?.connected ?? false;
  }

  send(deviceId: number, framed: Uint8Array): boolean {
    const c = this.client;
    if (!c?.connected) return false;
    c.publish(deviceDownTopic(deviceId), Buffer.from(framed), { qos: 1 });
    return true;
  }

  /** Publishes text on the device broker (notification channels of type mqtt). */
  publishLocal(topic: string, payload: string): void {
    this.client?.publish(topic, payload, { qos: 1 });
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await c.endAsync();
  }
}
