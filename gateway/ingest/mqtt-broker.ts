/**
 * The embedded MQTT broker for Wi-Fi devices (Aedes, the zero-set-up
 * default). Each device logs in with its own credentials (username = device
 * id hex, password = mqttPassword(key)); anonymous clients, unknown and
 * decommissioned devices are refused (CONNACK "bad username or password",
 * MQTT 3.1.1 section 3.2.2.3). A device may publish only to its own up and
 * event topics and subscribe only to its own down topic. An unknown id that tries to log
 * in is put on the pending list, like an unknown frame.
 */
import { timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:net";
import { Aedes, type AuthenticateError, type Client } from "aedes";
import type { Logger } from "../../common/log.js";
import type { Link } from "../downlink/link.js";
import { mqttPassword, parseDeviceId } from "../registry/keys.js";
import type { RegisteredDevice } from "../registry/registry.js";
import {
  DEVICE_EVENT_FILTER,
  DEVICE_UP_FILTER,
  deviceDownTopic,
  MQTT_RECEIVER,
} from "./device-topics.js";

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
}

export interface EmbeddedBrokerDeps {
  lookup(deviceId: number): RegisteredDevice | undefined;
  notePending(deviceId: number, receiver: string, now: number): void;
  onPayload(topic: string, payload: Uint8Array): void;
  clock(): number;
  log: Logger;
}

export interface BrokerStats {
  connects: number;
  refused: number;
  deniedPublish: number;
  deniedSubscribe: number;
  clientErrors: number;
}

function authError(): AuthenticateError {
  const e = new Error("bad username or password") as AuthenticateError;
  (e as { returnCode: number }).returnCode = 4;
  return e;
}

export class EmbeddedMqttBroker implements Link {
  readonly id = MQTT_RECEIVER;
  readonly stats: BrokerStats = {
    connects: 0,
    refused: 0,
    deniedPublish: 0,
    deniedSubscribe: 0,
    clientErrors: 0,
  };
  private broker: Aedes | undefined;
  private server: Server | undefined;
  private readonly clientDevice = new WeakMap<Client, string>();
  private boundPort = 0;

  constructor(
    private readonly opts: EmbeddedBrokerOptions,
    private readonly deps: EmbeddedBrokerDeps,
  ) {}

  async start(): Promise<void> {
    const deps = this.deps;
    const broker = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        const id = parseDeviceId(username);
        const dev = id === undefined ? undefined : deps.lookup(id);
        if (id !== undefined && !dev) deps.notePending(id, MQTT_RECEIVER, deps.clock());
        const expected =
          dev && dev.status === "active" ? Buffer.from(mqttPassword(dev.key)) : undefined;
        const given = password ? Buffer.from(password) : undefined;
        if (
          !expected ||
          !given ||
          given.length !== expected.length ||
          !timingSafeEqual(given, expected)
        ) {
          this.stats.refused++;
          done(authError(), false);
          return;
        }
        this.stats.connects++;
        this.clientDevice.set(client, (username ?? "").toLowerCase().padStart(8, "0"));
        done(null, true);
      },
      authorizePublish: (client, packet, done) => {
        const dev = client ? this.clientDevice.get(client) : undefined;
        if (
          !dev ||
          (packet.topic !== `haitang/dev/${dev}/up` && packet.topic !== `haitang/dev/${dev}/event`)
        ) {
          this.stats.deniedPublish++;
          done(new Error("not authorized"));
          return;
        }
        done(null);
      },
      authorizeSubscribe: (client, sub, done) => {
        const dev = this.clientDevice.get(client);
        if (!dev || sub.topic !== `haitang/dev/${dev}/down`) {
          this.stats.deniedSubscribe++;
          done(new Error("not authorized"));
          return;
        }
        done(null, sub);
      },
    });
    broker.on("clientError", () => {
      this.stats.clientErrors++;
    });
    const ingest = (packet: { topic: string; payload: unknown }, cb: () => void) => {
      try {
        deps.onPayload(packet.topic, new Uint8Array(packet.payload as Buffer));
      } catch (err) {
        deps.log.error("mqtt ingest failed", { error: String(err) });
      }
      cb();
    };
    // Each device has its own connection to this broker, so an alarm on `event`
    // only shares the gateway's event loop with other devices' telemetry.
    broker.subscribe(DEVICE_EVENT_FILTER, ingest, () => {});
    broker.subscribe(DEVICE_UP_FILTER, ingest, () => {});
    this.broker = broker;
    const server = createServer(broker.handle);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const addr = server.address();
    this.boundPort = typeof addr === "object" && addr ? addr.port : this.opts.port;
    deps.log.info("embedded MQTT broker listening", { host: this.opts.host, port: this.boundPort });
  }

  port(): number {
    return this.boundPort;
  }

  connectedClients(): number {
    return this.broker?.connectedClients ?? 0;
  }

  isUp(): boolean {
    return this.broker !== undefined && !this.broker.closed;
  }

  send(deviceId: number, framed: Uint8Array): boolean {
    const b = this.broker;
    if (!b) return false;
    b.publish(
      {
        cmd: "publish",
        topic: deviceDownTopic(deviceId),
        payload: Buffer.from(framed),
        qos: 1,
        retain: false,
        dup: false,
      },
      () => {},
    );
    return true;
  }

  /** Publishes text on the local broker (notification channels of type mqtt). */
  publishLocal(topic: string, payload: string): void {
    this.broker?.publish(
      { cmd: "publish", topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false },
      () => {},
    );
  }

  async stop(): Promise<void> {
    const b = this.broker;
    const s = this.server;
    this.broker = undefined;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    if (b) await new Promise<void>((resolve) => b.close(() => resolve()));
  }
}
