/**
 * Uplink to the cloud broker: MQTT v5, QoS 1. Drains the durable outbox
 * (alarms first, order kept per key) and removes an entry only after the
 * broker's PUBACK; whatever was queued before the current connection is
 * published with `historical: true`. Reconnects with jittered exponential
 * back-off; a retained birth message and a last will (online false) on the
 * status topic; periodic health; verified operator commands on request/+ with
 * a CommandResponse on response/{command} carrying the same transaction.
 */
import mqtt, { type IClientOptions } from "mqtt";
import type { Logger } from "../../common/log.js";
import { gatewayMqttOptions } from "../../common/mqtt-client-options.js";
import {
  type CommandName,
  filters,
  type GatewayHealth,
  type GatewayStatus,
  parseTopic,
  topics,
} from "../../protocol/uplink.js";
import type { DrainableOutbox } from "../types.js";
import { reconnectDelayMs } from "./backoff.js";
import { CommandVerifier } from "./command-verifier.js";
import { CommandDispatcher, type CommandHandlers, type CommandStats } from "./commands.js";
import { type DrainConnection, Drainer, type DrainStats } from "./drain.js";
import type { TransactionStore } from "./transaction-store.js";

export type HealthSource = () => Omit<GatewayHealth, "v" | "site" | "gateway" | "ts" | "uplink">;

export interface UplinkOptions {
  url: string;
  site: string;
  gateway: string;
  outbox: DrainableOutbox;
  clientId?: string;
  username?: string;
  password?: string;
  /** PEM contents (not paths): see from-config.ts. */
  tls?: {
    ca?: string | Buffer;
    cert?: string | Buffer;
    key?: string | Buffer;
    rejectUnauthorized?: boolean;
  };
  keepaliveS?: number;
  /** Site command key; without it every command is refused. */
  commandKey?: Uint8Array;
  handlers?: CommandHandlers;
  /** Used command transactions; give a SqliteTransactionStore so a restart does not reopen replays. */
  transactions?: TransactionStore;
  health?: HealthSource;
  healthIntervalMs?: number;
  reconnect?: { minMs: number; maxMs: number };
  /** QoS 1 publishes in flight at once (also capped by the broker's Receive Maximum). */
  inflight?: number;
  /** Several envelopes per message (UplinkBatch): bounds; absent or maxEntries 1: one per message. */
  batch?: { maxEntries: number; maxBytes: number; maxWaitMs?: number };
  /** How often an idle uplink looks at the outbox when nobody calls kick(). */
  pollMs?: number;
  connectTimeoutMs?: number;
  version?: string;
  logger?: Logger;
  clock?: () => number;
  random?: () => number;
}

export interface UplinkStats extends CommandStats, DrainStats {
  connects: number;
  connectFailures: number;
  disconnects: number;
  healthPublished: number;
}

type Connection = DrainConnection;

export class UplinkClient {
  readonly stats: UplinkStats = {
    connects: 0,
    connectFailures: 0,
    disconnects: 0,
    published: 0,
    acked: 0,
    unacked: 0,
    historical: 0,
    removeBatches: 0,
    commandsAccepted: 0,
    commandsRejected: {},
    healthPublished: 0,
  };
  private readonly opts: UplinkOptions;
  private readonly clock: () => number;
  private readonly commands: CommandDispatcher;
  private conn: Connection | undefined;
  private running = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private drainer: Drainer | undefined;
  private lastRefused = false;
  private draining: Promise<void> | undefined;

  constructor(opts: UplinkOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? Date.now;
    this.commands = new CommandDispatcher({
      verifier: new CommandVerifier(opts.commandKey, opts.transactions),
      handlers: opts.handlers ?? {},
      stats: this.stats,
      ...(opts.logger ? { logger: opts.logger } : {}),
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
    const every = this.opts.healthIntervalMs ?? 60_000;
    this.healthTimer = setInterval(() => this.publishHealth(), every);
    this.healthTimer.unref?.();
  }

  /** Publishes "offline" (retained), then disconnects. Entries not yet acknowledged stay in the outbox. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.drainer?.refresh();
    const c = this.conn;
    if (c && !c.closed && c.client.connected) {
      await new Promise<void>((resolve) => {
        c.client.publish(
          this.statusTopic(),
          JSON.stringify(this.status(false)),
          { qos: 1, retain: true },
          () => resolve(),
        );
        setTimeout(resolve, 2000).unref?.();
      });
      await new Promise<void>((resolve) => c.client.end(false, {}, () => resolve()));
    } else c?.client.end(true);
    await this.draining;
  }

  /** Subscribed to request/+ on the current connection (commands reach the gateway). */
  commandsReady(): boolean {
    return this.state() === "connected" && this.conn?.subscribed === true;
  }

  state(): "connected" | "disconnected" {
    return this.conn && !this.conn.closed && this.conn.client.connected
      ? "connected"
      : "disconnected";
  }

  /** New entries are in the outbox: drain now instead of at the next poll. */
  kick(): void {
    this.drainer?.refresh();
  }

  private statusTopic(): string {
    return topics.status(this.opts.site, this.opts.gateway);
  }

  private status(online: boolean): GatewayStatus {
    const s: GatewayStatus = {
      v: 1,
      site: this.opts.site,
      gateway: this.opts.gateway,
      online,
      ts: this.clock(),
    };
    if (this.opts.version) s.version = this.opts.version;
    return s;
  }

  private connect(): void {
    if (!this.running) return;
    const o = this.opts;
    const options: IClientOptions = {
      protocolVersion: 5,
      clientId: o.clientId ?? `${o.site}-${o.gateway}`,
      clean: true,
      keepalive: o.keepaliveS ?? 30,
      reconnectPeriod: 0,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      // MQTT 5 §3.1.3.2: the broker publishes the will when the connection is lost without DISCONNECT.
      will: {
        topic: this.statusTopic(),
        payload: Buffer.from(JSON.stringify(this.status(false))),
        qos: 1,
        retain: true,
      },
    };
    if (o.username !== undefined) options.username = o.username;
    if (o.password !== undefined) options.password = o.password;
    if (o.tls) {
      if (o.tls.ca) options.ca = o.tls.ca;
      if (o.tls.cert) options.cert = o.tls.cert;
      if (o.tls.key) options.key = o.tls.key;
      options.rejectUnauthorized = o.tls.rejectUnauthorized ?? true;
    }
    const client = mqtt.connect(o.url, { ...options, ...gatewayMqttOptions() });
    let closeResolve: () => void = () => {};
    const conn: Connection = {
      client,
      connectedAt: 0,
      window: 1,
      closed: false,
      onClose: new Promise<void>((r) => {
        closeResolve = r;
      }),
    };
    this.conn = conn;
    client.on("error", (e) => {
      o.logger?.warn("uplink error", { error: e.message });
    });
    client.on("connect", (connack) => {
      // A broker that keeps refusing publishes does not reset the back-off.
      if (!this.lastRefused) this.attempt = 0;
      // Small QoS 1 packets and their PUBACKs would otherwise wait on Nagle + delayed ACK (~40 ms each window).
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      this.stats.connects++;
      conn.connectedAt = this.clock();
      const serverMax = connack.properties?.receiveMaximum ?? 65_535;
      conn.window = Math.max(1, Math.min(o.inflight ?? 64, serverMax));
      o.logger?.info("uplink connected", { url: o.url, window: conn.window });
      client.publish(this.statusTopic(), JSON.stringify(this.status(true)), {
        qos: 1,
        retain: true,
      });
      // Clean session: commands sent while the gateway was away are not kept (the sender retries).
      client.subscribe(filters.requests(o.site, o.gateway), { qos: 1 }, (err) => {
        if (!err && !conn.closed) conn.subscribed = true;
      });
      this.publishHealth();
      const drainer = new Drainer(
        {
          outbox: o.outbox,
          stats: this.stats,
          running: () => this.running,
          pollMs: o.pollMs ?? 250,
          ...(o.batch && o.batch.maxEntries > 1
            ? { batch: { site: o.site, gateway: o.gateway, ...o.batch } }
            : {}),
          ...(o.logger ? { logger: o.logger } : {}),
        },
        conn,
      );
      this.drainer = drainer;
      this.draining = drainer.run();
    });
    client.on("message", (topic, payload, packet) => {
      void this.onRequest(conn, topic, payload, packet.properties?.correlationData);
    });
    client.on("close", () => {
      if (conn.closed) return;
      conn.closed = true;
      this.lastRefused = conn.refused === true;
      if (conn.connectedAt > 0) {
        this.stats.disconnects++;
        o.logger?.warn("uplink disconnected", { url: o.url });
      } else this.stats.connectFailures++;
      // Fail every publish still waiting for its PUBACK (mqtt.js: forced end flushes callbacks).
      client.end(true);
      closeResolve();
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (!this.running) return;
    const r = this.opts.reconnect ?? { minMs: 1000, maxMs: 60_000 };
    const delay = reconnectDelayMs(this.attempt++, r, this.opts.random ?? Math.random);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private publishHealth(): void {
    const c = this.conn;
    if (!c || c.closed || !c.client.connected) return;
    const o = this.opts;
    const now = this.clock();
    const base = o.health?.() ?? {
      outboxDepth: o.outbox.depth(),
      oldestEntryAgeS: o.outbox.oldestAgeS(now),
      devices: 0,
      pendingDevices: 0,
      activeAlarms: 0,
      counters: {},
    };
    const counters: Record<string, number> = { ...base.counters };
    for (const [k, v] of Object.entries(this.stats)) {
      if (typeof v === "number") counters[`uplink_${k}`] = v;
    }
    const h: GatewayHealth = {
      v: 1,
      site: o.site,
      gateway: o.gateway,
      ts: now,
      uplink: "connected",
      ...base,
      counters,
    };
    c.client.publish(topics.health(o.site, o.gateway), JSON.stringify(h), { qos: 0 });
    this.stats.healthPublished++;
  }

  private async onRequest(
    conn: Connection,
    topic: string,
    payload: Buffer,
    correlation?: Buffer,
  ): Promise<void> {
    const t = parseTopic(topic);
    if (t?.kind !== "request") return;
    const res = await this.commands.handle(t.command, payload, this.clock());
    if (conn.closed) return;
    const props = correlation ? { properties: { correlationData: correlation } } : {};
    conn.client.publish(
      topics.response(this.opts.site, this.opts.gateway, t.command as CommandName),
      JSON.stringify(res),
      { qos: 1, ...props },
    );
  }
}
