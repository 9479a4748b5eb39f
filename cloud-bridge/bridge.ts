/**
 * The cloud bridge's one wiring file. The constructor builds and connects the
 * parts without I/O; start() connects to the broker and the database and
 * opens the HTTP port; stop() undoes it; abort() drops everything as a crash
 * would (tests).
 *
 *   shared subscription (QoS 1, manual PUBACK) -> decode -> points -> batching writer -> PUBACK
 *                                                       \-> alarm notifier -> webhooks
 *   live subscription (QoS 0, every instance)   -> decode -> live state -> SSE, command responses
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { createLogger, type Logger } from "../common/log.js";
import { AlarmNotifier } from "./alarms/notifier.js";
import { type AttemptResult, type Delivery, WebhookSender } from "./alarms/webhook-sender.js";
import { AuditLog } from "./api/audit-log.js";
import { TokenAuth } from "./api/auth.js";
import { COCKPIT_STALE_MS } from "./api/cockpit-routes.js";
import type { ApiContext } from "./api/context.js";
import { shedLimitW } from "./api/routes.js";
import { ApiServer } from "./api/server.js";
import { SseHub } from "./api/sse.js";
import { escalateWorkOrders } from "./api/work-order-routes.js";
import { CommandClient } from "./commands/command-client.js";
import type { BridgeConfig, WebhookConfig } from "./config/types.js";
import { GuardianChains } from "./guardian/chain-runner.js";
import { DailySummaries } from "./guardian/daily-sender.js";
import { ResidentStore } from "./guardian/resident-store.js";
import { openChainWorkOrder } from "./guardian/work-order-hook.js";
import type { HistoryStore } from "./history/history-store.js";
import { VictoriaMetricsHistory } from "./history/victoria-metrics.js";
import { decodeUplink, directoryFromSites, type GatewayDirectory } from "./ingest/decode.js";
import { PeerWatch, parsePresence } from "./ingest/peer-watch.js";
import { RejectLog } from "./ingest/reject-log.js";
import { presencePayload, SharedSubscriber } from "./ingest/shared-subscriber.js";
import { Cockpit } from "./live/cockpit.js";
import { LiveConnection } from "./live/live-connection.js";
import { applyLive, broadcastAlarm } from "./live/live-feed.js";
import { LiveState } from "./live/live-state.js";
import { ResponseStore } from "./live/response-store.js";
import { WEEK_MS } from "./live/response-times.js";
import { MetricsRegistry } from "./metrics/registry.js";
import { BatchingWriter } from "./storage/batching-writer.js";
import { InfluxSink, type PointSink } from "./storage/influx-sink.js";
import { pointsFor } from "./storage/points.js";
import { WorkOrderNotifier } from "./work-orders/escalation-notifier.js";
import { WorkOrderBook } from "./work-orders/work-order-book.js";

/** How often the cockpit's rows are brought up to date while it is watched. */
const COCKPIT_WARM_INTERVAL_MS = 1000;

export interface BridgeOptions {
  logger?: Logger;
  now?: () => number;
  /** Replaces the InfluxDB sink (benchmarks measuring the bridge alone). */
  sink?: PointSink;
  history?: HistoryStore;
}

export class CloudBridge {
  readonly metrics = new MetricsRegistry();
  readonly live: LiveState;
  readonly clientId: string;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly directory: GatewayDirectory;
  private readonly sink: PointSink;
  private readonly writer: BatchingWriter;
  private readonly shared: SharedSubscriber;
  private readonly presencePrefix: string;
  private readonly peers: PeerWatch;
  private readonly adoptions = new Set<SharedSubscriber>();
  private readonly liveConn: LiveConnection;
  private readonly sender: WebhookSender;
  private readonly workOrderNotifier: WorkOrderNotifier;
  /** Response-time samples on disk (cockpit.responsesFile), open between start and stop. */
  private responseStore: ResponseStore | undefined;
  private readonly notifier: AlarmNotifier;
  readonly chains: GuardianChains;
  private readonly daily: DailySummaries;
  private readonly residentStore: ResidentStore | undefined;
  private readonly commands: CommandClient;
  private readonly history: HistoryStore;
  private readonly sse: SseHub;
  private readonly api: ApiServer;
  private readonly ctx: ApiContext;
  private readonly accepted;
  private readonly unknownBodies;
  private readonly rejections: RejectLog;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    readonly config: BridgeConfig,
    opts: BridgeOptions = {},
  ) {
    this.log = opts.logger ?? createLogger("bridge");
    this.now = opts.now ?? Date.now;
    const m = this.metrics;
    this.clientId = config.mqtt.clientId ?? `haitang-bridge-${config.instance ?? hostname()}`;
    this.directory = directoryFromSites(config.sites);
    this.live = new LiveState({
      recentMs: config.alarms.recentHours * 3600_000,
      maxTimeline: config.alarms.maxTimeline,
      offlineAfterMs: config.devices.offlineAfterS * 1000,
      responseWeeks: config.cockpit.responseWeeks,
      onResponseSample: (site, s) => {
        try {
          this.responseStore?.add(site, s);
        } catch (err) {
          this.log.error("response-time sample not stored", { site, error: String(err) });
        }
      },
    });
    this.sink = opts.sink ?? new InfluxSink(config.influx, this.log.child("influx"));
    this.writer = new BatchingWriter(this.sink, config.influx, m, this.log.child("writer"));
    // Outside haitang/v1: the gateways' tree stays theirs.
    this.presencePrefix = `haitang-bridge/v1/${config.mqtt.shareGroup}/instances/`;
    this.shared = new SharedSubscriber(
      config.mqtt,
      this.clientId,
      (topic, payload, done) => this.onShared(topic, payload, done),
      this.log.child("ingest"),
      m,
      { presenceTopic: this.presencePrefix + this.clientId },
    );
    this.liveConn = new LiveConnection(
      config.mqtt,
      `${this.clientId}-live-${randomBytes(3).toString("hex")}`,
      (topic, payload) => this.onLive(topic, payload),
      this.log.child("live"),
      config.mqtt.adoptCrashedPeersAfterS > 0 ? [`${this.presencePrefix}+`] : [],
    );
    this.peers = new PeerWatch(
      this.clientId,
      config.mqtt.adoptCrashedPeersAfterS * 1000,
      (peer) => this.adopt(peer),
      this.log.child("peers"),
    );
    this.sender = new WebhookSender(this.log.child("webhook"), m, this.now, (hook, d, r, at) =>
      this.delivered(hook, d, r, at),
    );
    this.workOrderNotifier = new WorkOrderNotifier(config, this.sender);
    this.chains = new GuardianChains(
      config,
      this.sender,
      {
        lookup: (s, id) => this.live.alarm(s, id),
        note: (s, id, entry) => {
          const v = this.live.noteAlarm(s, id, entry);
          if (v) broadcastAlarm(this.sse, v);
        },
        // A step with workOrderTo opens a work order for the alarm, assigned to that person.
        onEscalated: (a, _step, s, now) => {
          if (s.workOrderTo) openChainWorkOrder(this.ctx, a, s.workOrderTo, s.name, now);
        },
      },
      this.log.child("guardian"),
      m,
    );
    this.daily = new DailySummaries(config, this.live, this.sender, this.log.child("guardian"), m);
    const stateFile = config.guardian.stateFile;
    const badFiles = m.counter(
      "haitang_bridge_guardian_state_file_bad_total",
      "Resident state files that could not be read at start (set aside as .bad)",
    );
    this.residentStore = stateFile
      ? new ResidentStore(
          stateFile,
          () => ({
            residents: this.live.allResidents(),
            dailySent: Object.fromEntries(this.daily.lastSent),
          }),
          this.log.child("guardian"),
          () => badFiles.inc(),
        )
      : undefined;
    this.notifier = new AlarmNotifier(
      config,
      this.sender,
      (s, id) => this.live.alarm(s, id),
      this.log.child("alarms"),
      m,
      (kind) => this.chains.carries(kind),
    );
    this.commands = new CommandClient(
      (topic, payload) => this.liveConn.publish(topic, payload),
      this.now,
    );
    this.history =
      opts.history ?? new VictoriaMetricsHistory(config.history.url, config.history.timeoutMs);
    this.sse = new SseHub(this.log.child("sse"), m);
    this.rejections = new RejectLog(this.log.child("ingest"), m);
    this.accepted = m.counter("haitang_bridge_accepted_total", "Uplinks accepted, by kind");
    this.unknownBodies = m.counter(
      "haitang_bridge_unknown_body_total",
      "Device messages of a body type this bridge does not know (stored as uplink points), by type",
    );
    const ctx: ApiContext = {
      config,
      live: this.live,
      history: this.history,
      commands: this.commands,
      sse: this.sse,
      metrics: m,
      auth: new TokenAuth(config.tokens),
      log: this.log.child("api"),
      now: this.now,
      health: () => ({
        ok: this.shared.connected,
        mqtt: this.shared.connected ? "connected" : "disconnected",
        writes: this.writer.degraded ? "retrying" : "ok",
      }),
      ackRequested: (site, alarmId, by, comment) => {
        const v = this.live.noteAlarm(site, alarmId, {
          at: this.now(),
          what: "ack-requested",
          by,
          ...(comment !== undefined ? { comment } : {}),
        });
        if (v) broadcastAlarm(this.sse, v);
      },
      noteAlarm: (site, alarmId, entry) => {
        const v = this.live.noteAlarm(site, alarmId, entry);
        if (v) broadcastAlarm(this.sse, v);
      },
      guardianAnswer: (site, alarmId, by, step, now) =>
        void this.chains.answer(site, alarmId, by, step, now),
      audit: new AuditLog(config.commands.auditFile),
      workOrders: new WorkOrderBook(config.workOrders, config.workOrders.file),
      reportLimits: new Map(),
      tellEscalation: (o) =>
        this.workOrderNotifier
          .escalated(o)
          .catch((err: unknown) =>
            this.log.error("work-order escalation webhook failed", { error: String(err) }),
          ),
      cockpit: new Cockpit(this.live, {
        limitOf: (site, shed) => shedLimitW(config, site, shed),
        nearFraction: 0.8,
        offlineAfterMs: config.devices.offlineAfterS * 1000,
        ttlMs: 5000,
      }),
    };
    this.ctx = ctx;
    this.api = new ApiServer(ctx);
  }

  /** Cockpit rows recomputed and served from its cache (bench/cockpit.ts prints them). */
  cockpitStats(): { computed: number; cached: number } {
    return { ...this.ctx.cockpit.stats };
  }

  get httpPort(): number {
    return this.api.port;
  }

  async start(): Promise<void> {
    this.loadResidents();
    this.loadResponseTimes();
    await this.rebuild();
    await this.liveConn.start();
    this.sse.start();
    const port = await this.api.start();
    await this.shared.start();
    const esc = this.config.escalation;
    if (esc.levels.length > 0) {
      this.timers.push(
        setInterval(() => {
          this.notifier
            .tick(this.now())
            .catch((err: unknown) => this.log.error("escalation failed", { error: String(err) }));
        }, esc.checkIntervalS * 1000),
      );
    }
    const g = this.config.guardian;
    if (g.chains.length > 0 || g.residents.some((r) => r.dailySummary))
      this.timers.push(
        setInterval(() => void this.guardianTick(), this.config.guardian.checkIntervalS * 1000),
      );
    this.timers.push(setInterval(() => this.live.prune(this.now()), 60_000));
    this.timers.push(setInterval(() => this.warmCockpit(), COCKPIT_WARM_INTERVAL_MS));
    this.timers.push(
      setInterval(
        () => void escalateWorkOrders(this.ctx, this.now()).told,
        this.config.workOrders.checkIntervalS * 1000,
      ),
    );
    this.log.info("bridge started", {
      clientId: this.clientId,
      httpPort: port,
      subscription: this.shared.topicFilter,
    });
  }

  private warming = false;

  /**
   * While someone watched the cockpit in the last 10 minutes, keeps its rows younger than the
   * answer's staleness bound, in slices of 100 (requests are served between slices), so a page
   * that opens it is answered from the cache instead of computing 1,000 rows.
   */
  private warmCockpit(): void {
    const cockpit = this.ctx.cockpit;
    if (this.warming || !cockpit.watched(this.now(), 10 * 60_000)) return;
    this.warming = true;
    const sites = Object.keys(this.config.sites);
    const slice = () => {
      const n = cockpit.refresh(sites, this.now(), 100, COCKPIT_STALE_MS - 5000);
      if (n === 100 && this.timers.length > 0) setImmediate(slice);
      else this.warming = false;
    };
    slice();
  }

  /** Runs the escalation checks (alarms, work orders) now (tests drive them with their own clock). */
  async escalateNow(): Promise<void> {
    const { told } = escalateWorkOrders(this.ctx, this.now());
    await Promise.all([told, this.notifier.tick(this.now())]);
  }

  /** Moves the guardian chains on and sends due daily summaries (tests drive it with their own clock). */
  async guardianTick(): Promise<void> {
    try {
      await this.chains.tick(this.now());
      if ((await this.daily.tick(this.now())) > 0) this.residentStore?.changed();
    } catch (err) {
      this.log.error("guardian chain failed", { error: String(err) });
    }
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.peers.stop();
    // Leave the share group after writing and acknowledging what arrived.
    await this.shared.stop(() => this.writer.flush(), 10_000);
    this.writer.stop();
    this.sender.stop();
    this.commands.stop();
    this.sse.stop();
    await this.api.stop();
    await this.liveConn.stop();
    this.sink.close();
    this.residentStore?.flushPending();
    this.responseStore?.close();
    this.responseStore = undefined;
    this.log.info("bridge stopped");
  }

  /** Stops at once without writing or acknowledging anything pending, as a crash would. */
  async abort(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.peers.stop();
    for (const a of this.adoptions) a.abort();
    this.shared.abort();
    this.liveConn.abort();
    this.writer.stop();
    this.sender.stop();
    this.commands.stop();
    this.sse.stop();
    await this.api.stop();
    this.sink.close();
    this.responseStore?.close();
    this.responseStore = undefined;
  }

  /**
   * The cockpit's response-time samples from `cockpit.responsesFile` (SQLite): older than the
   * retention pruned, the rest seeded into each site, so trends survive a restart and reach
   * back `cockpit.responseWeeks` weeks whatever the alarms the rebuild finds.
   */
  private loadResponseTimes(): void {
    const file = this.config.cockpit.responsesFile;
    if (!file) return;
    const store = new ResponseStore(file);
    const since = this.now() - this.config.cockpit.responseWeeks * WEEK_MS;
    const pruned = store.prune(since);
    let n = 0;
    for (const [site, samples] of store.load(since)) {
      this.live.seedResponses(site, samples);
      n += samples.length;
    }
    this.responseStore = store;
    this.log.info("response-time samples loaded", { file, samples: n, pruned });
  }

  /** Residents' states and daily-summary days kept across a restart (guardian.stateFile). */
  private loadResidents() {
    if (!this.residentStore) return;
    const saved = this.residentStore.load();
    for (const { site, ...view } of saved.residents)
      if (this.config.sites[site]) this.live.seedResident(site, view);
    for (const [k, day] of Object.entries(saved.dailySent)) this.daily.lastSent.set(k, day);
    this.log.info("resident states read back", { residents: saved.residents.length });
  }

  private async rebuild() {
    const r = this.config.rebuild;
    if (!r.fromHistory) return;
    const lookback = r.lookbackHours * 3600_000;
    const now = this.now();
    try {
      const [devices, alarms] = await Promise.all([
        this.history.recentDevices(lookback, now),
        this.history.recentAlarms(
          Math.min(lookback, this.config.alarms.recentHours * 3600_000),
          now,
        ),
      ]);
      for (const d of devices)
        if (this.config.sites[d.site]) this.live.seedDevice(d.site, d.device);
      const known = alarms.filter((a) => this.config.sites[a.site]);
      for (const a of known) this.live.seedAlarm(a);
      this.notifier.watchRebuilt(known, now);
      await this.chains.watchRebuilt(known, now);
      this.log.info("state rebuilt from history", {
        devices: devices.length,
        alarms: alarms.length,
      });
    } catch (err) {
      // The database may be down: ingest must still start (it waits for the database itself).
      this.log.warn("could not rebuild state from history", {
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  private onShared(topic: string, payload: Buffer, done: () => void) {
    const r = decodeUplink(topic, payload, this.directory, this.config.mqtt.maxPayloadBytes);
    if (!r.ok) {
      this.rejections.reject(topic, r.reason, r.detail, this.now());
      done();
      return;
    }
    const msg = r.msg;
    // Each envelope of a batch counts (and is written) once, as if it had come alone.
    const each = msg.kind === "batch" ? msg.devices : [msg];
    if (msg.kind === "batch")
      for (const x of msg.rejected) this.rejections.reject(topic, x.reason, x.detail, this.now());
    for (const m of each) {
      this.accepted.inc({ kind: m.kind });
      if (m.kind === "unknown-body") this.unknownBodies.inc({ type: m.envelope.body.type });
    }
    const points = pointsFor(msg);
    if (msg.kind !== "alarm") {
      this.writer.enqueue(points.text, points.count, done);
      return;
    }
    // Acknowledged once its points are written and each webhook had its first attempt.
    let pending = 2;
    const one = () => {
      if (--pending === 0) done();
    };
    const notified =
      msg.alarm.transition === "raised"
        ? Promise.all([
            this.notifier.onTransition(msg.alarm, this.now()),
            this.chains.onRaised(msg.alarm, this.now()),
          ])
        : this.notifier.onTransition(msg.alarm, this.now());
    notified.then(one, (err: unknown) => {
      this.log.error("alarm notification failed", { error: String(err) });
      one();
    });
    this.writer.enqueue(points.text, points.count, one);
  }

  /** Takes over a crashed peer's session: writes what it holds, then ends it. */
  private async adopt(peer: string): Promise<boolean> {
    const sub = new SharedSubscriber(
      this.config.mqtt,
      peer,
      (topic, payload, done) => this.onShared(topic, payload, done),
      this.log.child("adopt"),
      this.metrics,
      { adopting: true },
    );
    this.adoptions.add(sub);
    try {
      await sub.start();
      const ended = await sub.stop(() => this.writer.flush(), 60_000);
      if (ended) {
        this.metrics
          .counter(
            "haitang_bridge_sessions_adopted_total",
            "Crashed peers' sessions drained and ended",
          )
          .inc();
        await this.liveConn.publish(
          this.presencePrefix + peer,
          presencePayload(peer, "adopted", this.now(), this.clientId),
          true,
        );
      }
      return ended;
    } finally {
      this.adoptions.delete(sub);
    }
  }

  private onLive(topic: string, payload: Buffer) {
    if (topic.startsWith(this.presencePrefix)) {
      const p = parsePresence(payload);
      if (p && topic === this.presencePrefix + p.instance)
        this.peers.onPresence(p.instance, p.state);
      return;
    }
    const r = decodeUplink(topic, payload, this.directory, this.config.mqtt.maxPayloadBytes);
    if (!r.ok) return; // counted on the shared path
    applyLive(r.msg, this.live, this.sse, this.commands);
    if (r.msg.kind === "resident") this.residentStore?.changed();
  }

  private delivered(hook: WebhookConfig, d: Delivery, r: AttemptResult, at: number) {
    const { site, alarmId, level } = d as Delivery & {
      site?: string;
      alarmId?: string;
      level?: number;
    };
    if (!r.ok || !site || !alarmId) return;
    const v = this.live.noteAlarm(site, alarmId, {
      at,
      what: "notified",
      target: hook.name,
      ...(level !== undefined ? { level } : {}),
    });
    if (v) broadcastAlarm(this.sse, v);
  }
}
