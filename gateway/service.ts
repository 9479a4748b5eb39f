/**
 * The gateway's one wiring file: builds every part from a SiteConfig and
 * connects them. The constructor only stores its options; start() opens the
 * database, loads state, starts ingest, HTTP and timers; stop() undoes it in
 * reverse, committing what is held first.
 *
 *   serial receivers / MQTT ingest -> Pipeline -> rules (ActionRunner) ->
 *   WorkerCommitter (a worker thread: outbox + counter windows + alarm rows,
 *   one transaction) -> ack via DownlinkQueue on its answer; the uplink
 *   drains the outbox (CommittedOutbox) to the cloud.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createLogger, type Logger } from "../common/log.js";
import { repoRoot } from "../common/paths.js";
import { placeText } from "../common/place.js";
import { type AlarmTransition, deviceIdHex, type ReceiverReading } from "../protocol/uplink.js";
import { ActionRunner } from "./actions.js";
import { AlarmStore, Notifier } from "./alarms/index.js";
import type { LoadResult } from "./config/load.js";
import { formatConfigErrors } from "./config/load.js";
import type { SiteConfig } from "./config/site-config.js";
import { CounterStore } from "./dedup/counter-store.js";
import { CounterTable } from "./dedup/counter-table.js";
import { DownlinkCounterStore } from "./downlink/counter-store.js";
import { DownlinkQueue } from "./downlink/downlink-queue.js";
import { GroupRekey } from "./downlink/group-rekey.js";
import { GroupSounder } from "./downlink/group-sounder.js";
import { GroupStore } from "./downlink/group-store.js";
import {
  groupResendIntervalMs,
  resendIntervalMs,
  retargetAfterMs,
  WOR_FAST_ROUNDS_MS,
  worRetargetAfterMs,
  worRoundIntervalMs,
  worSlowRoundIntervalMs,
} from "./downlink/interlink-budget.js";
import { LinkTable } from "./downlink/link.js";
import { listeningOf, preambleFor } from "./downlink/listen-modes.js";
import { DownlinkQueueStore } from "./downlink/queue-store.js";
import { buildHealth, buildMetrics, type HealthSources } from "./health.js";
import type { InstallAuth } from "./http/auth.js";
import { GatewayHttpServer } from "./http/server.js";
import { SseHub } from "./http/sse.js";
import { IngestBackpressure } from "./ingest/backpressure.js";
import { DeframeCounter } from "./ingest/deframe-counter.js";
import { MQTT_RECEIVER } from "./ingest/device-topics.js";
// Types only: the embedded broker (aedes) and the serial stack (serialport's native binding) are
// imported when the config uses them, so an external-broker gateway without serial lines holds
// neither in memory.
import type { EmbeddedMqttBroker } from "./ingest/mqtt-broker.js";
import { ExternalMqttIngest } from "./ingest/mqtt-external.js";
import { MqttPayloadHandler } from "./ingest/mqtt-payload.js";
import type { SerialBinding, SerialReceiver } from "./ingest/serial-receiver.js";
import { CampaignStore } from "./ota/campaign-store.js";
import { OtaEngine } from "./ota/ota-engine.js";
import { otaProgressItem } from "./ota/progress-uplink.js";
import { holdReason } from "./ota/safety-holds.js";
import { CommittedOutbox } from "./outbox/committed-outbox.js";
import type { Scheduler } from "./outbox/group-committer.js";
import { SqliteOutbox } from "./outbox/sqlite-outbox.js";
import { acceptedWorkOps } from "./pipeline/commit-ops.js";
import { messagePriority } from "./pipeline/envelope.js";
import { type AcceptedWork, Pipeline } from "./pipeline/pipeline.js";
import { RateLimiter, type RateLimitOptions } from "./pipeline/rate-limit.js";
import { StageCounters } from "./pipeline/stage-counters.js";
import { processMemory } from "./process-memory.js";
import { RecentReadings } from "./readings/recent-readings.js";
import { DeviceAdmin } from "./registry/device-admin.js";
import { midstateHmac, midstateVerifyFrame } from "./registry/midstate-hmac.js";
import { PendingDevices } from "./registry/pending.js";
import { DeviceRegistry } from "./registry/registry.js";
import { ReportStore } from "./reports/report-store.js";
import { createRuleEngine, type RuleEngine, type RuleState } from "./rules/index.js";
import { residentStateItem } from "./rules/welfare/resident-uplink.js";
import { syncStaticDevices } from "./static-devices.js";
import { type GatewayDatabase, openGatewayDatabase } from "./storage/database.js";
import { WorkerCommitter } from "./storage/worker-committer.js";
import type { WriteOp } from "./storage/write-ops.js";
import { type AcceptedMessage, type DropReason, PRIORITY_ALARM } from "./types.js";
import { createCommandHandlers, UplinkClient, uplinkOptionsFromConfig } from "./uplink/index.js";

export interface GatewayTuning {
  /** Longest an accepted frame waits for its grouped commit (ms). */
  commitIntervalMs?: number;
  /** Overrides the site's ingest.mergeWindowMs (benchmarks, tests). */
  mergeWindowMs?: number;
  /** Overrides the site's ingest.rateLimit (benchmarks, tests). */
  rateLimit?: RateLimitOptions;
  rulesTickMs?: number;
  /**
   * false: the service arms no timer at a rule's deadline (RuleModule.dueAt);
   * a driver in virtual time asks `rulesDueAt()` and ticks then itself.
   */
  rulesDeadlines?: boolean;
  /** Downlink resend tick (default 20 ms); a driver in virtual time ticks the queue itself. */
  downlinkTickMs?: number;
  /** Benchmarks of the CPU path only: no fsync. Never in production. */
  unsafeNoSync?: boolean;
  /**
   * Commits on the main thread's connection, as an in-memory database does, instead of on the
   * commit worker: simulations in virtual time, which wait for every commit between two instants
   * anyway (a thread hop per wait). The same database, tables and batches.
   */
  commitInline?: boolean;
}

export interface GatewayServiceOptions {
  config: SiteConfig;
  log?: Logger;
  /** serialport binding; bindings-cpp autoDetect() by default. */
  serialBinding?: SerialBinding;
  /** Checks the install password (config hash, or the CLI's plain password). */
  auth: InstallAuth;
  clock?: () => number;
  /** Timers of the RS-485 buses' turn-taking (serial[].bus); a driver in virtual time passes its clock's. */
  lineScheduler?: Scheduler;
  /** Folder served at /ui/ (default: gateway/web of the repository, when present). */
  webRoot?: string;
  tuning?: GatewayTuning;
  /** Validates and applies site YAML from an operator's update-config command (ConfigReloader.applyText). */
  applyConfigText?: (yaml: string) => LoadResult;
  /** Reported in the gateway's birth message. */
  version?: string;
  /** Hooks for tests and benchmarks. */
  onAccepted?(msg: AcceptedMessage, now: number): void;
  onDownlink?(deviceId: number, type: string, linkId: string, now: number): void;
}

interface Parts {
  db: GatewayDatabase;
  counters: StageCounters;
  registry: DeviceRegistry;
  pending: PendingDevices;
  windows: CounterTable;
  counterStore: CounterStore;
  outbox: CommittedOutbox;
  committer: WorkerCommitter<AcceptedWork>;
  pipeline: Pipeline;
  limiter: RateLimiter;
  links: LinkTable;
  downlinks: DownlinkQueue;
  ota: OtaEngine;
  /** Which building group key each detector holds (group soundings). */
  groups: GroupStore;
  receivers: Array<{ rx: SerialReceiver; deframe: DeframeCounter }>;
  mqtt: EmbeddedMqttBroker | ExternalMqttIngest | undefined;
  mqttPayload: MqttPayloadHandler;
  /** Holds the external broker's telemetry while the commit backlog is high. */
  backpressure: IngestBackpressure | undefined;
  sse: SseHub;
  http: GatewayHttpServer;
  admin: DeviceAdmin;
  actions: ActionRunner;
  alarms: AlarmStore;
  notifier: Notifier;
  /** The last hours of readings per device, for the installer page's charts. */
  readings: RecentReadings;
  uplink: UplinkClient | undefined;
  timers: ReturnType<typeof setInterval>[];
  startedAt: number;
}

export class GatewayService {
  private parts: Parts | undefined;
  private config: SiteConfig;
  private engine: RuleEngine | undefined;
  private ruleState: RuleState | undefined;
  /** When the rule tick last ran: a deadline at or before it has been acted on. */
  private rulesTickedAt = Number.NEGATIVE_INFINITY;
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  private deadlineAt = Number.POSITIVE_INFINITY;
  private readonly log: Logger;
  private readonly clock: () => number;
  /** Highest port power of each charger's last telemetry (firmware updates hold above a mark). */
  private readonly maxPortW = new Map<number, number>();
  readonly ruleStats = { failures: 0, reloads: 0, rejectedReloads: 0 };

  constructor(private readonly opts: GatewayServiceOptions) {
    this.config = opts.config;
    this.log = opts.log ?? createLogger("gateway");
    this.clock = opts.clock ?? Date.now;
  }

  async start(): Promise<void> {
    if (this.parts) throw new Error("gateway already started");
    const cfg = this.config;
    const t = this.opts.tuning ?? {};
    const log = this.log;
    const now = this.clock();
    const db = openGatewayDatabase(cfg.database, { unsafeNoSync: t.unsafeNoSync ?? false });
    const counters = new StageCounters();
    const registry = new DeviceRegistry(db);
    registry.load();
    const pending = new PendingDevices(db);
    pending.load();
    const windows = new CounterTable(Math.max(1024, registry.count() * 2));
    const counterStore = new CounterStore(db);
    counterStore.loadInto(windows);
    const capBytes = cfg.diskCapMB * 1024 * 1024;
    const id = { site: cfg.site, gateway: cfg.gateway };
    // Every frequent write goes to the committer's worker (its own connection): no fsync here.
    const committer = new WorkerCommitter<AcceptedWork>({
      path: cfg.database,
      capBytes,
      unsafeNoSync: t.unsafeNoSync ?? false,
      intervalMs: t.commitIntervalMs ?? 4,
      toOps: (batch) => acceptedWorkOps(batch, id),
      // An alarm frame is committed in the next batch, not behind the telemetry queued before it.
      overtakes: {
        urgent: (w) => w.message !== undefined && messagePriority(w.message.msg) === PRIORITY_ALARM,
        key: (w) => w.window.deviceId,
      },
      onCommitted: (appended) => {
        // Only new entries are news to the drain (a batch of removals after PUBACKs is not).
        if (appended) this.parts?.uplink?.kick();
        this.parts?.backpressure?.update(committer.backlog());
      },
      log: log.child("commit"),
      ...(cfg.database === ":memory:" || t.commitInline ? { inline: db } : {}),
    });
    await committer.start();
    const write = (ops: WriteOp[], what: string) =>
      committer.write(ops, (err) => {
        if (err) log.error("write failed", { what, error: err.message });
      });
    const outbox = new CommittedOutbox(new SqliteOutbox(db, { countTotals: false }), committer);
    const links = new LinkTable();
    const downlinkCounters = new DownlinkCounterStore(db);
    downlinkCounters.reserveAll(db);
    const groups = new GroupStore(db);
    const repeatEveryMs = resendIntervalMs(cfg.interlink.listenWindowMs, cfg.interlink.baud);
    const secret = cfg.interlink.groupSecret;
    // Wake-on-radio detectors need a wake-up preamble before frames they do not listen for.
    const preambleMs = preambleFor(cfg);
    const worRepeatEveryMs = worRoundIntervalMs(cfg.interlink.sniffEveryMs);
    // One group frame per building for the detectors holding its key (without a secret: unicast only).
    const groupSounder = secret
      ? new GroupSounder(
          {
            secret: Buffer.from(secret, "hex"),
            hmac: midstateHmac,
            store: groups,
            counters: downlinkCounters,
            links,
            preambleMs,
          },
          {
            worRepeatEveryMs,
            worSlowRepeatEveryMs: worSlowRoundIntervalMs(cfg.interlink.sniffEveryMs),
            worFastForMs: WOR_FAST_ROUNDS_MS,
            worRetargetAfterMs: worRetargetAfterMs(cfg.interlink.sniffEveryMs),
            repeatEveryMs: groupResendIntervalMs(cfg.interlink.listenWindowMs, cfg.interlink.baud),
            slowRepeatEveryMs: repeatEveryMs,
            fastForMs: cfg.interlink.listenEveryS * 1000 + cfg.interlink.listenWindowMs,
            retargetAfterMs: retargetAfterMs(cfg.interlink),
          },
        )
      : undefined;
    const downlinks = new DownlinkQueue(
      {
        lookup: (d) => registry.get(d),
        counters: downlinkCounters,
        links,
        hmac: midstateHmac,
        onSent: (d, msg, linkId) => this.opts.onDownlink?.(d, msg.type, linkId, this.clock()),
        // waiting commands survive a restart; written with the batch of the frame that caused them
        store: new DownlinkQueueStore(db, (ops) => write(ops, "downlink queue")),
        ...(groupSounder ? { groups: groupSounder } : {}),
        onConfirmed: (d, msg, result) => groupRekey?.confirmed(d, msg, result),
        preambleMs,
      },
      // a whole copy inside every listening window of the site's detectors, or after a preamble
      { repeatEveryMs, worRepeatEveryMs },
    );
    const groupRekey = secret
      ? new GroupRekey({
          secret: Buffer.from(secret, "hex"),
          hmac: midstateHmac,
          store: groups,
          lookup: (d) => registry.get(d),
          downlinks,
        })
      : undefined;
    const sse = new SseHub();
    const alarms = new AlarmStore(db, {
      site: cfg.site,
      gateway: cfg.gateway,
      escalation: cfg.escalation,
      writer: (ops, done) => committer.write(ops, done),
      onWriteError: (err) => log.error("alarm write failed", { error: err.message }),
      locate: (d) => placeText(registry.get(d)),
    });
    alarms.load();
    const notifier = new Notifier({
      channels: cfg.notifications,
      escalation: cfg.escalation,
      logger: log.child("notify"),
      mqttPublish: (topic, payload) => this.parts?.mqtt?.publishLocal(topic, payload),
    });
    const onTransition = (t: AlarmTransition) => {
      this.parts?.uplink?.kick();
      sse.publish("alarm", t);
      notifier.notify(t);
    };
    const actions = new ActionRunner({
      downlinks,
      alarms: () => alarms,
      publish: (e, d) => sse.publish(e, d),
      onTransition,
      residentState: (a, now) => {
        const item = residentStateItem(a, cfg, registry.get(a.deviceId), now);
        write([{ kind: "append", items: [item] }], "resident state");
        this.parts?.uplink?.kick();
      },
      log: log.child("actions"),
    });
    const baudByLink = new Map(cfg.serial.map((s) => [`serial:${s.name}`, s.baud]));
    const ota = new OtaEngine({
      store: new CampaignStore(db),
      lookup: (d) => registry.get(d),
      downlinks,
      hold: (d) =>
        holdReason(
          {
            activeAlarmKinds: (x) => alarms.activeKinds(x, ["critical", "major"]),
            soundWaiting: (x) => downlinks.pending(x).some((c) => c.msg.type === "sound"),
            maxPortW: (x) => this.maxPortW.get(x),
          },
          d,
        ),
      baudOf: (linkId) => baudByLink.get(linkId),
      listenWindowMs: cfg.interlink.listenWindowMs,
      nudgeEveryMs: resendIntervalMs(cfg.interlink.listenWindowMs, cfg.interlink.baud),
      preambleMs,
      onProgress: (campaign, p, version, n) => {
        const item = otaProgressItem(campaign, version, p, id, registry.get(p.deviceId), n);
        write([{ kind: "append", items: [item] }], "ota progress");
        this.parts?.uplink?.kick();
        sse.publish("ota", { campaign, version, ...p, deviceId: deviceIdHex(p.deviceId) });
      },
      onUpdated: (d, version) => {
        if (registry.get(d)) registry.update(d, { firmware: version });
      },
    });
    ota.load();
    const limiter = new RateLimiter(t.rateLimit ?? cfg.ingest.rateLimit);
    const pipeline = new Pipeline(
      {
        lookup: (d) => registry.get(d),
        notePending: (d, r, n, code) => {
          const first = pending.get(d) === undefined;
          pending.note(d, r, n, code);
          if (first) sse.publish("pending", { id: deviceIdHex(d), receiver: r });
        },
        noteHeard: (d, r, n, mv) => registry.noteHeard(d, r, n, mv),
        windows,
        limiter,
        hmac: midstateHmac,
        verify: midstateVerifyFrame,
        counters,
        commit: (w, done) => committer.submit(w, done),
        onAccepted: (m, n) => this.accepted(m, n),
        onHeard: (d, r, n) => {
          downlinks.deviceHeard(d, r, n);
          // Any uplink of a sleeping device in a campaign opens a window for its chunks.
          if (ota.heard(d, n)) ota.tick(n);
        },
        ack: (d, c, r) => {
          downlinks.ack(d, c, r);
        },
        onRejected: (d, reason, n) => this.rejected(d, reason, n),
        scheduler: {
          setTimeout: (fn, ms) => setTimeout(fn, ms),
          clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
        },
        clock: this.clock,
      },
      {
        mergeWindowMs: t.mergeWindowMs ?? cfg.ingest.mergeWindowMs,
        mergesCopies: (receiver) => receiver !== MQTT_RECEIVER,
      },
    );
    const frameIn = (bytes: Uint8Array, reading: ReceiverReading) =>
      pipeline.handleFrame(bytes, reading, this.clock());
    // The serial stack is loaded only when the site has serial lines.
    const serial =
      cfg.serial.length > 0
        ? {
            module: await import("./ingest/serial-receiver.js"),
            binding:
              this.opts.serialBinding ?? (await import("@serialport/bindings-cpp")).autoDetect(),
          }
        : undefined;
    const receivers = !serial
      ? []
      : cfg.serial.map((s) => {
          const deframe = new DeframeCounter(counters);
          const rx: SerialReceiver = new serial.module.SerialReceiver(
            {
              name: s.name,
              path: s.path,
              baudRate: s.baud,
              binding: serial.binding,
              bus: s.bus,
              clock: this.clock,
              ...(this.opts.lineScheduler ? { lineScheduler: this.opts.lineScheduler } : {}),
            },
            frameIn,
            log.child("serial"),
            () => deframe.update(rx.deframer.stats),
          );
          links.add(rx);
          return { rx, deframe };
        });
    const mqttPayload = new MqttPayloadHandler("mqtt", counters, frameIn);
    const mqtt =
      cfg.mqtt.mode === "external"
        ? new ExternalMqttIngest(
            {
              url: cfg.mqtt.url ?? `mqtt://${cfg.mqtt.host}:${cfg.mqtt.port}`,
              clientId: `haitang-${cfg.site}-${cfg.gateway}`,
              ...(cfg.mqtt.username !== undefined ? { username: cfg.mqtt.username } : {}),
              ...(cfg.mqtt.password !== undefined ? { password: cfg.mqtt.password } : {}),
            },
            (topic, payload) => {
              mqttPayload.handle(topic, payload);
              backpressure?.update(committer.backlog());
            },
            log.child("mqtt"),
          )
        : new (await import("./ingest/mqtt-broker.js")).EmbeddedMqttBroker(
            { host: cfg.mqtt.host, port: cfg.mqtt.port },
            {
              lookup: (d) => registry.get(d),
              notePending: (d, r, n) => pending.note(d, r, n),
              onPayload: (topic, payload) => mqttPayload.handle(topic, payload),
              clock: this.clock,
              log: log.child("mqtt"),
            },
          );
    links.add(mqtt);
    const external = mqtt instanceof ExternalMqttIngest ? mqtt : undefined;
    const backpressure = external
      ? new IngestBackpressure(cfg.ingest.holdAboveFrames, (on) => {
          log
            .child("mqtt")
            .info(on ? "holding telemetry: commit backlog" : "reading telemetry again", {
              backlog: committer.backlog(),
            });
          external.holdTelemetry(on);
        })
      : undefined;
    const admin = new DeviceAdmin({
      registry,
      pending,
      windows,
      // after the windows the committer still holds for the device
      counterStore: {
        delete: (d) =>
          write(
            [{ kind: "run", sql: "DELETE FROM counter_windows WHERE device_id = ?", rows: [[d]] }],
            "counter window",
          ),
      },
      downlinks,
      alarms,
      groups: groupRekey,
      clock: this.clock,
    });
    registry.onChange((c) => sse.publish("device", { ...c, deviceId: deviceIdHex(c.deviceId) }));
    const ackAlarm = (alarmId: string, by: string, comment: string | undefined, n: number) => {
      const r = alarms.ack(alarmId, by, comment, n);
      if (!r.ok) return r;
      onTransition(r.transition);
      return { ok: true as const, alarm: r.alarm };
    };
    const up = uplinkOptionsFromConfig(cfg, {
      outbox,
      handlers: createCommandHandlers({
        alarms: { ack: ackAlarm },
        downlinks,
        directory: registry,
        ...(this.opts.applyConfigText ? { applyConfig: this.opts.applyConfigText } : {}),
        durable: () => committer.durable(),
        clock: this.clock,
      }),
      health: () => {
        const h = buildHealth(this.healthSources(parts), this.clock());
        return {
          outboxDepth: h.outboxDepth,
          oldestEntryAgeS: h.oldestEntryAgeS,
          devices: h.devices,
          pendingDevices: h.pendingDevices,
          activeAlarms: h.activeAlarms,
          counters: h.counters,
          unheard: h.unheard ?? [],
        };
      },
      logger: log.child("uplink"),
      clock: this.clock,
      ...(this.opts.version ? { version: this.opts.version } : {}),
    });
    if (!up.ok) {
      await committer.close();
      db.close();
      throw new Error(`cloud uplink config: ${formatConfigErrors(up.errors)}`);
    }
    const uplink = up.options ? new UplinkClient(up.options) : undefined;
    const parts: Parts = {
      db,
      groups,
      counters,
      registry,
      pending,
      windows,
      counterStore,
      outbox,
      committer,
      pipeline,
      limiter,
      links,
      downlinks,
      ota,
      receivers,
      mqtt,
      mqttPayload,
      backpressure,
      sse,
      admin,
      actions,
      alarms,
      notifier,
      readings: new RecentReadings(),
      uplink,
      timers: [],
      startedAt: now,
      http: undefined as unknown as GatewayHttpServer,
    };
    const webRoot = this.opts.webRoot ?? join(repoRoot(), "gateway", "web");
    parts.http = new GatewayHttpServer(
      { host: cfg.http.host, port: cfg.http.port },
      {
        registry,
        pending,
        admin,
        downlinks,
        ota,
        reports: new ReportStore(db),
        readings: parts.readings,
        listening: listeningOf(cfg),
        alarms: {
          list: (f) => alarms.list(f),
          ack: ackAlarm,
          durable: () => committer.durable(),
        },
        sse,
        health: (n) => buildHealth(this.healthSources(parts), n),
        metrics: (n) => buildMetrics(this.healthSources(parts), n),
        clock: this.clock,
        ...(existsSync(webRoot) ? { webRoot } : {}),
      },
      this.opts.auth,
      log.child("http"),
    );
    this.parts = parts;
    syncStaticDevices(cfg, registry, admin, log, groups);
    downlinks.restore(now);
    this.startRules(cfg, now);
    try {
      await mqtt.start();
      for (const r of receivers) r.rx.start();
      await parts.http.start();
      uplink?.start();
    } catch (err) {
      await this.stop();
      throw err;
    }
    sse.start();
    parts.timers.push(
      setInterval(() => this.tick(), t.rulesTickMs ?? 1000),
      setInterval(() => this.flushSlowState(), 5_000),
      // Resends are due every few hundred ms per command: small frequent ticks keep each one
      // short, so a new alarm never waits long behind a round of resends (gateway-latency).
      setInterval(() => this.downlinkTick(), t.downlinkTickMs ?? 20),
    );
    log.info("gateway started", {
      site: cfg.site,
      gateway: cfg.gateway,
      devices: registry.count("active"),
      serial: cfg.serial.map((s) => s.path),
      mqtt: cfg.mqtt.mode,
      http: parts.http.port(),
    });
  }

  async stop(): Promise<void> {
    const p = this.parts;
    if (!p) return;
    this.parts = undefined;
    for (const t of p.timers) clearInterval(t);
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    await p.http.stop().catch(() => {});
    p.sse.stop();
    for (const r of p.receivers) await r.rx.stop();
    await p.mqtt?.stop().catch(() => {});
    p.pipeline.stop();
    p.pipeline.flushHeld();
    await p.notifier.drain();
    await p.uplink
      ?.stop()
      .catch((err) => this.log.warn("uplink stop failed", { error: String(err) }));
    p.registry.flushSeen((op) => p.committer.write([op]));
    p.pending.flush((ops) => p.committer.write(ops));
    await p.committer.close();
    p.db.close();
    this.log.info("gateway stopped");
  }

  /** Applies a reloaded config: rules, devices and rate limits switch at once. */
  applyConfig(config: SiteConfig): void {
    this.config = config;
    const p = this.parts;
    if (!p) return;
    syncStaticDevices(config, p.registry, p.admin, this.log, p.groups);
    const t = this.opts.tuning ?? {};
    if (!t.rateLimit) p.limiter.configure(config.ingest.rateLimit);
    if (t.mergeWindowMs === undefined) p.pipeline.setMergeWindowMs(config.ingest.mergeWindowMs);
    p.backpressure?.configure(config.ingest.holdAboveFrames);
    p.alarms.setEscalation(config.escalation);
    p.notifier.configure(config.notifications, config.escalation);
    this.startRules(config, this.clock());
    this.ruleStats.reloads++;
  }

  /** Counts a rejected reload (the last good config keeps running). */
  noteRejectedReload(): void {
    this.ruleStats.rejectedReloads++;
  }

  /** The pipeline's entry, for benchmarks that feed frames without a serial port. */
  injectFrame(bytes: Uint8Array, reading: ReceiverReading): void {
    this.running().pipeline.handleFrame(bytes, reading, this.clock());
  }

  httpPort(): number {
    return this.running().http.port();
  }

  mqttPort(): number {
    const m = this.running().mqtt;
    return m && !(m instanceof ExternalMqttIngest) ? m.port() : 0;
  }

  /** Parts for tests, benchmarks and gw-rules' uplink (outbox, counters, registry...). */
  running(): Parts {
    if (!this.parts) throw new Error("gateway is not running");
    return this.parts;
  }

  health(): ReturnType<typeof buildHealth> {
    return buildHealth(this.healthSources(this.running()), this.clock());
  }

  private startRules(config: SiteConfig, now: number): void {
    const p = this.running();
    this.engine = createRuleEngine(config, p.registry);
    this.ruleState = this.engine.init(now, this.ruleState);
  }

  private accepted(m: AcceptedMessage, now: number): void {
    const p = this.parts;
    if (!p) return;
    const dev = p.registry.get(m.deviceId);
    if (m.msg.type === "command-ack")
      p.downlinks.commandAcked(m.deviceId, m.msg.ackedCounter, m.msg.result);
    else if (m.msg.type === "group-ack") p.downlinks.groupAcked(m.deviceId, m.msg.ackedCounter);
    p.readings.record(m.deviceId, m.msg, m.receivedAt);
    if (m.msg.type === "charger-telemetry") {
      let w = 0;
      for (const x of m.msg.ports) if (x.powerW > w) w = x.powerW;
      this.maxPortW.set(m.deviceId, w);
    }
    if (m.msg.type === "ota-status") {
      // Its window opens with this frame (the pipeline's onHeard comes after this hook).
      p.ota.heard(m.deviceId, now);
      p.ota.onStatus(m.deviceId, m.msg, now);
      p.ota.tick(now);
    }
    if (this.engine && this.ruleState && dev) {
      const r = this.engine.onMessage(this.ruleState, m, dev, now);
      this.ruleState = r.state;
      this.ruleFailures(r.failures);
      p.actions.run(r.actions, now);
      this.armRulesDeadline();
    }
    this.opts.onAccepted?.(m, now);
    if (p.sse.hasClients()) p.sse.publish("accepted", { ...m, deviceId: deviceIdHex(m.deviceId) });
  }

  /** A forged or replayed frame of a known device id: the security rules count bursts. */
  private rejected(deviceId: number, reason: DropReason, now: number): void {
    const p = this.parts;
    if (!p || !this.engine || !this.ruleState) return;
    const r = this.engine.onRejected(this.ruleState, deviceId, reason, now);
    this.ruleState = r.state;
    this.ruleFailures(r.failures);
    p.actions.run(r.actions, now);
  }

  /**
   * Resends due downlinks, then sends the firmware-update frames that fit
   * (after them: the bulk class never delays a command). The service ticks
   * this every `downlinkTickMs`; a driver in virtual time calls it itself.
   */
  downlinkTick(): void {
    const p = this.parts;
    if (!p) return;
    const now = this.clock();
    p.downlinks.tick(now);
    try {
      p.ota.tick(now);
    } catch (err) {
      p.counters.hookErrors++;
      this.log.error("ota tick failed", { error: String(err) });
    }
  }

  /**
   * Runs the rule tick now (absence, inactivity, aggregates, escalation). The
   * service ticks itself every `rulesTickMs`; a driver in virtual time (the
   * simulator) sets that out of the way and calls this on its own clock.
   */
  runRulesTick(): void {
    this.tick();
  }

  /**
   * The next rule deadline still to act on (a shed total over its limit for
   * durationS), or undefined: the rule tick is due then, not at the next
   * `rulesTickMs`. The service arms its own timer for it unless the tuning's
   * `rulesDeadlines` is false (a driver in virtual time).
   */
  rulesDueAt(): number | undefined {
    const due = this.engine && this.ruleState ? this.engine.dueAt(this.ruleState) : undefined;
    return due !== undefined && due > this.rulesTickedAt ? due : undefined;
  }

  private armRulesDeadline(): void {
    if (this.opts.tuning?.rulesDeadlines === false || !this.parts) return;
    const due = this.rulesDueAt();
    if (due === undefined || due >= this.deadlineAt) return;
    clearTimeout(this.deadlineTimer);
    this.deadlineAt = due;
    this.deadlineTimer = setTimeout(
      () => {
        this.deadlineAt = Number.POSITIVE_INFINITY;
        this.deadlineTimer = undefined;
        this.tick();
      },
      Math.max(0, due - this.clock()),
    );
  }

  private tick(): void {
    const p = this.parts;
    if (!p || !this.engine || !this.ruleState) return;
    const now = this.clock();
    this.rulesTickedAt = now;
    const r = this.engine.tick(this.ruleState, now);
    this.ruleState = r.state;
    this.ruleFailures(r.failures);
    p.actions.run(r.actions, now);
    try {
      for (const t of p.alarms.tick(now)) {
        p.sse.publish("alarm", t);
        p.notifier.notify(t);
      }
    } catch (err) {
      this.log.error("alarm escalation failed", { error: String(err) });
    }
    this.armRulesDeadline();
  }

  private ruleFailures(f: Array<{ rule: string; error: string }>): void {
    for (const x of f) {
      this.ruleStats.failures++;
      this.log.error("rule failed", { rule: x.rule, error: x.error });
    }
  }

  private flushSlowState(): void {
    const p = this.parts;
    if (!p) return;
    try {
      const failed = (err?: Error) => {
        if (err) this.log.error("state flush failed", { error: err.message });
      };
      p.registry.flushSeen((op) => p.committer.write([op], failed));
      p.pending.flush((ops) => p.committer.write(ops, failed));
      p.downlinks.expire(this.clock());
    } catch (err) {
      this.log.error("state flush failed", { error: String(err) });
    }
  }

  private healthSources(p: Parts): HealthSources {
    return {
      site: this.config.site,
      gateway: this.config.gateway,
      startedAt: p.startedAt,
      uplink: () => p.uplink?.state() ?? "disabled",
      outbox: p.outbox,
      outboxCapBytes: this.config.diskCapMB * 1024 * 1024,
      committer: p.committer.stats,
      counters: p.counters,
      receivers: () => [
        ...p.receivers.map((r) => ({
          id: r.rx.id,
          up: r.rx.isUp(),
          bytesIn: r.rx.stats.bytesIn,
          bytesOut: r.rx.stats.bytesOut,
          disconnects: r.rx.stats.disconnects,
          openFailures: r.rx.stats.openFailures,
          garbageBytes: r.rx.deframer.stats.garbageBytes,
          badCrc: r.rx.deframer.stats.badCrc,
          frames: r.rx.deframer.stats.frames,
        })),
        ...(p.mqtt
          ? [
              {
                id: p.mqtt.id,
                up: p.mqtt.isUp(),
                garbageBytes: p.mqttPayload.deframeCounter.garbageBytes,
              },
            ]
          : []),
      ],
      devices: () => ({
        active: p.registry.count("active"),
        decommissioned: p.registry.count("decommissioned"),
      }),
      pendingDevices: () => p.pending.size(),
      unheard: () => p.registry.unheard(),
      activeAlarms: () => p.alarms.activeCount(),
      downlinks: p.downlinks.stats,
      downlinkDepth: () => p.downlinks.depth(),
      mergeWindowSize: () => p.pipeline.recentSize(),
      memory: processMemory,
      commitBacklog: () => ({ frames: p.committer.backlog(), holds: p.backpressure?.holds ?? 0 }),
      heldFrames: () => p.pipeline.heldCount(),
      dedupDevices: () => p.windows.size(),
      rules: () => ({
        count: this.engine?.rules.length ?? 0,
        failures: this.ruleStats.failures,
        reloads: this.ruleStats.reloads,
        rejectedReloads: this.ruleStats.rejectedReloads,
      }),
      sse: p.sse.stats,
      ota: () => ({ ...p.ota.counters }),
    };
  }
}

/** "b1/101" style placement of a device for alarms. */
