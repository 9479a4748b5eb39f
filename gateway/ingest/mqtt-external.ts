/**
 * MQTT ingest through an external broker (e.g. Mosquitto on the gateway):
 * the gateway subscribes to every device's up topic and publishes downlinks.
 * Device authentication is the broker's job here; the frame MAC still is ours.
 *
 * Events and alarms (`haitang/dev/+/event`, device-topics.ts) come in on a
 * second connection with a session of its own (client id `{clientId}-event`).
 * The broker delivers one client's messages in order over one socket, so on
 * a shared subscription an alarm would wait behind every telemetry frame
 * queued before it; on its own connection it waits for none of them.
 */
import mqtt, { type MqttClient } from "mqtt";
import type { Logger } from "../../common/log.js";
import { gatewayMqttOptions } from "../../common/mqtt-client-options.js";
import type { Link } from "../downlink/link.js";
import {
  DEVICE_EVENT_FILTER,
  DEVICE_UP_FILTER,
  deviceDownTopic,
  MQTT_RECEIVER,
} from "./device-topics.js";

export interface ExternalMqttOptions {
  url: string;
  username?: string;
  password?: string;
  clientId: string;
}

export class ExternalMqttIngest implements Link {
  readonly id = MQTT_RECEIVER;
  private client: MqttClient | undefined;
  /** The connection that reads events and alarms only. */
  private events: MqttClient | undefined;
  /** Telemetry is held (backpressure.ts). */
  private holding = false;
  private readonly guarded = new WeakSet<object>();

  constructor(
    private readonly opts: ExternalMqttOptions,
    private readonly onPayload: (topic: string, payload: Uint8Array) => void,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.client = this.connect(this.opts.clientId, DEVICE_UP_FILTER);
    this.events = this.connect(`${this.opts.clientId}-event`, DEVICE_EVENT_FILTER);
  }

  private connect(clientId: string, filter: string): MqttClient {
    const o: mqtt.IClientOptions = {
      clientId,
      clean: false,
      reconnectPeriod: 1000,
      protocolVersion: 5,
      ...gatewayMqttOptions(),
    };
    if (this.opts.username !== undefined) o.username = this.opts.username;
    if (this.opts.password !== undefined) o.password = this.opts.password;
    const c = mqtt.connect(this.opts.url, o);
    c.on("connect", () => {
      this.log.info("connected to the device broker", { url: this.opts.url, filter });
      // PUBACKs and downlinks are small: do not hold them back for Nagle's algorithm.
      (c.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      c.subscribe(filter, { qos: 1 });
      this.guardHold(c);
    });
    let corked = false;
    c.on("message", (topic, payload) => {
      // mqtt.js writes this message's PUBACK right after this handler, one socket write per
      // PUBACK (it uncorks on the next tick). Corked until the check phase, the PUBACKs of
      // every message parsed from one read leave in one write (they were an eighth of the
      // main thread's time at 10,000 frames/s).
      const sock = c.stream as { cork?: () => void; uncork?: () => void };
      if (!corked && sock.cork && sock.uncork) {
        corked = true;
        sock.cork();
        setImmediate(() => {
          corked = false;
          sock.uncork?.();
        });
      }
      try {
        // A view of mqtt.js's buffer, not a copy (the pipeline keeps only what it accepts).
        this.onPayload(topic, new Uint8Array(payload.buffer, payload.byteOffset, payload.length));
      } catch (err) {
        this.log.error("mqtt ingest failed", { error: String(err) });
      }
    });
    c.on("error", (err) => this.log.warn("device broker error", { error: err.message }));
    return c;
  }

  /**
   * Stops (true) or resumes reading the telemetry connection (backpressure.ts).
   * The broker keeps what comes meanwhile in this client's session; the event
   * connection is never held.
   */
  holdTelemetry(on: boolean): void {
    this.holding = on;
    const stream = this.client?.stream;
    if (on) stream?.pause();
    else stream?.resume();
  }

  /**
   * mqtt.js pipes the socket into its parser, and the pipe resumes a paused
   * socket whenever the parser drains: while held, it is paused again.
   */
  private guardHold(c: MqttClient): void {
    const stream = c.stream;
    if (this.guarded.has(stream)) return;
    this.guarded.add(stream);
    stream.on("resume", () => {
      if (this.holding && c === this.client) stream.pause();
    });
    if (this.holding && c === this.client) stream.pause();
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
    const clients = [this.client, this.events];
    this.client = undefined;
    this.events = undefined;
    await Promise.all(clients.map((c) => c?.endAsync()));
  }
}
