/**
 * A Wi-Fi device's link: an MQTT client on the gateway's local broker that
 * publishes the device's framed bytes to `haitang/dev/{idhex}/event` (smoke
 * and charger events, command acks) or `.../up` (the rest), and hands what
 * arrives on `.../down` to the device (topics from gateway/ingest/device-topics.ts).
 */
import mqtt, { type MqttClient } from "mqtt";
import { deviceDownTopic, deviceTopicForFramed } from "../../gateway/ingest/device-topics.js";
import { mqttPassword } from "../../gateway/registry/keys.js";
import { deframeAll } from "../../protocol/framing.js";
import { deviceIdHex } from "../../protocol/uplink.js";

export class WifiEndpoint {
  readonly deviceId: number;
  published = 0;
  acked = 0;
  private client: MqttClient | undefined;
  private readonly key: Uint8Array;
  private readonly onFrame: (frame: Uint8Array) => void;

  constructor(deviceId: number, key: Uint8Array, onFrame: (frame: Uint8Array) => void) {
    this.deviceId = deviceId;
    this.key = key;
    this.onFrame = onFrame;
  }

  async connect(url: string): Promise<void> {
    const client = mqtt.connect(url, {
      clientId: `dev-${deviceIdHex(this.deviceId)}`,
      username: deviceIdHex(this.deviceId),
      password: mqttPassword(this.key),
      reconnectPeriod: 200,
      connectTimeout: 5000,
      keepalive: 30,
    });
    this.client = client;
    client.on("message", (_topic, payload) => {
      for (const f of deframeAll(new Uint8Array(payload)).frames) this.onFrame(f);
    });
    client.on("error", () => {});
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(
        () =>
          reject(
            new Error(`wifi device ${deviceIdHex(this.deviceId)} could not connect to ${url}`),
          ),
        30_000,
      );
      client.once("connect", () => {
        clearTimeout(t);
        resolve();
      });
    });
    await client.subscribeAsync(deviceDownTopic(this.deviceId), { qos: 1 });
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Publishes one framed frame with QoS 1; resolves on PUBACK (or when the link is gone). */
  publish(framed: Uint8Array): Promise<void> {
    const c = this.client;
    if (!c?.connected) return Promise.resolve();
    this.published++;
    return c
      .publishAsync(deviceTopicForFramed(this.deviceId, framed), Buffer.from(framed), { qos: 1 })
      .then(
        () => {
          this.acked++;
        },
        () => {},
      );
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await c.endAsync(true);
  }
}
