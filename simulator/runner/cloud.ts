/**
 * The cloud side of a run: a real Mosquitto (common/servers.ts
 * startMosquitto) as the cloud broker, reached by the gateway through a
 * link that the timeline can cut (the compound's internet going down: live
 * connections drop, new ones are refused until it is restored; a run that
 * never cuts it connects straight to the broker), and an
 * observer, connected to the broker directly, that subscribes to the whole
 * topic tree and writes what arrives into the trace. The broker itself stays
 * up, so the observer misses nothing while the gateway is cut off.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import mqtt, { type MqttClient } from "mqtt";
import { type Mosquitto, startMosquitto } from "../../common/servers.js";
import { BODY_TOPIC, type UplinkBodyType } from "../../protocol/message-schemas.js";
import { parseTopic, TOPIC_ROOT } from "../../protocol/uplink.js";

export interface CloudMessage {
  kind: string;
  deviceId?: string;
  payload: Record<string, unknown>;
}

export class CloudBroker {
  private mosq: Mosquitto | undefined;
  private server: Server | undefined;
  private readonly live = new Set<Socket>();
  private linkPort = 0;
  /** False while the gateway's link to the cloud is cut. */
  up = true;

  /**
   * `cuttable`: the gateway reaches the broker through a link the timeline can
   * cut (a relay in this process). A run whose timeline never cuts the cloud
   * connects straight to the broker: the relay would only copy every byte once
   * more (a socket write per uplink message and per acknowledgement).
   */
  constructor(private readonly cuttable = true) {}

  /** Where the gateway connects: through the cuttable link, or to the broker itself. */
  get url(): string {
    return this.cuttable ? `mqtt://127.0.0.1:${this.linkPort}` : this.brokerUrl;
  }

  /** The broker itself (the observer's side). */
  get brokerUrl(): string {
    if (!this.mosq) throw new Error("the cloud broker is not started");
    return this.mosq.url;
  }

  get port(): number {
    return this.mosq?.port ?? 0;
  }

  async start(): Promise<void> {
    const mosq = await startMosquitto();
    this.mosq = mosq;
    if (!this.cuttable) return;
    const server = createServer((client) => {
      if (!this.up) {
        client.destroy();
        return;
      }
      const upstream = connect(mosq.port, "127.0.0.1");
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      this.live.add(client);
      this.live.add(upstream);
      const end = () => {
        client.destroy();
        upstream.destroy();
        this.live.delete(client);
        this.live.delete(upstream);
      };
      client.pipe(upstream);
      upstream.pipe(client);
      for (const s of [client, upstream]) {
        s.on("close", end);
        s.on("error", end);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const addr = server.address();
    this.linkPort = typeof addr === "object" && addr ? addr.port : 0;
    this.server = server;
  }

  /** The internet goes down: the gateway's connections drop and it cannot reconnect. */
  cut(): void {
    if (!this.cuttable)
      throw new Error("this run's cloud link cannot be cut (CloudBroker cuttable)");
    this.dropLinks();
  }

  private dropLinks(): void {
    this.up = false;
    for (const s of this.live) s.destroy();
    this.live.clear();
  }

  restore(): void {
    this.up = true;
  }

  async dispose(): Promise<void> {
    this.dropLinks();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await this.mosq?.stop();
  }
}

export class CloudObserver {
  received = 0;
  private client: MqttClient | undefined;
  /** Marker topic prefix of sync(), this observer's own (outside the uplink topic tree). */
  private syncPrefix = "";
  private syncs = 0;
  private readonly syncWaiters = new Map<string, () => void>();
  private readonly waiters: {
    pred: (m: CloudMessage) => boolean;
    done: (m: CloudMessage) => void;
  }[] = [];
  private readonly onMessage: (m: CloudMessage) => void;
  private readonly onRaw: ((topic: string, payload: Buffer) => void) | undefined;

  /** `onRaw` sees every message of the topic tree as it arrived (before parsing). */
  constructor(
    onMessage: (m: CloudMessage) => void,
    onRaw?: (topic: string, payload: Buffer) => void,
  ) {
    this.onMessage = onMessage;
    this.onRaw = onRaw;
  }

  async connect(url: string, clientId: string): Promise<void> {
    const client = mqtt.connect(url, { clientId, reconnectPeriod: 50, protocolVersion: 5 });
    this.client = client;
    client.on("message", (topic, payload) => {
      if (topic.startsWith(this.syncPrefix)) {
        this.syncWaiters.get(topic)?.();
        return;
      }
      this.onRaw?.(topic, payload);
      const parsed = parseTopic(topic);
      if (!parsed) return;
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(payload.toString()) as Record<string, unknown>;
      } catch {
        return;
      }
      this.received++;
      if (parsed.kind === "batch") {
        // Several device envelopes in one message: each is seen as if it had come alone.
        for (const m of unbatch(body)) this.deliver(m);
        return;
      }
      const m: CloudMessage = { kind: parsed.kind, payload: body };
      if ("deviceId" in parsed) m.deviceId = parsed.deviceId;
      this.deliver(m);
    });
    client.on("error", () => {});
    await new Promise<void>((resolve) => client.once("connect", () => resolve()));
    await client.subscribeAsync(`${TOPIC_ROOT}/#`, { qos: 1 });
    this.syncPrefix = `haitang-sim-sync/${clientId}/`;
    await client.subscribeAsync(`${this.syncPrefix}#`, { qos: 1 });
  }

  /**
   * Resolves once every message the broker accepted before this call has reached this
   * observer, or after `timeoutMs` (real time): a marker published now is queued to the
   * observer behind them, as the broker keeps each client's deliveries in the order it
   * took the messages in (MQTT v5 4.6, ordered topics; Mosquitto has one queue per client).
   */
  async sync(timeoutMs: number): Promise<boolean> {
    const client = this.client;
    if (!client) return false;
    const topic = `${this.syncPrefix}${++this.syncs}`;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arrived = new Promise<boolean>((resolve) => {
      this.syncWaiters.set(topic, () => resolve(true));
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      await client.publishAsync(topic, "", { qos: 1 });
      return await arrived;
    } finally {
      clearTimeout(timer);
      this.syncWaiters.delete(topic);
    }
  }

  private deliver(m: CloudMessage): void {
    this.onMessage(m);
    for (const w of [...this.waiters]) if (w.pred(m)) w.done(m);
  }

  /** The next message matching `pred`, or undefined after `timeoutMs` (real time). */
  next(pred: (m: CloudMessage) => boolean, timeoutMs: number): Promise<CloudMessage | undefined> {
    return new Promise((resolve) => {
      const w = {
        pred,
        done: (m: CloudMessage | undefined) => {
          clearTimeout(timer);
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
          resolve(m);
        },
      };
      const timer = setTimeout(() => w.done(undefined), timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Publishes an operator command (request topic). */
  async publish(topic: string, payload: string): Promise<void> {
    await this.client?.publishAsync(topic, payload, { qos: 1 });
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    if (c) await c.endAsync(true);
  }
}

/** The device envelopes of a batch message, each with the topic kind it would have had alone. */
function unbatch(batch: Record<string, unknown>): CloudMessage[] {
  const envelopes = Array.isArray(batch.envelopes) ? batch.envelopes : [];
  const out: CloudMessage[] = [];
  for (const e of envelopes) {
    if (typeof e !== "object" || e === null) continue;
    const env = e as Record<string, unknown>;
    const type = (env.body as { type?: unknown } | undefined)?.type;
    const kind = BODY_TOPIC[type as UplinkBodyType] ?? "telemetry";
    out.push({ kind, deviceId: String(env.deviceId), payload: env });
  }
  return out;
}
