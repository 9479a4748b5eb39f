/**
 * The real gateway service (gateway/service.ts), started in this process from
 * the scenario's site config, on real pseudo-terminals and a real MQTT broker.
 * In virtual time its clock is the scenario clock and its rule tick runs on
 * virtual seconds; settle() waits until it has read every byte it was sent,
 * commits what it holds and has written its answers back.
 */
import { createLogger, type Logger } from "../../common/log.js";
import { formatConfigErrors, loadSiteConfig } from "../../gateway/config/load.js";
import { InstallAuth } from "../../gateway/http/auth.js";
import type { SerialBinding } from "../../gateway/ingest/serial-receiver.js";
import {
  type StartRequest,
  type StartResult,
  startCampaign,
} from "../../gateway/ota/campaign-start.js";
import { GatewayService } from "../../gateway/service.js";
import type { AlarmTransition } from "../../protocol/uplink.js";
import type { Clock, TimerHandle } from "../time/virtual-clock.js";
import type { GatewayDriver } from "./contracts.js";

/** Real-time timers of the service are pushed out of the way; virtual ticks replace them. */
const NEVER_MS = 2_000_000_000;
const SETTLE_DEADLINE_MS = 3000;

export interface InProcessGatewayOptions {
  /** Bytes the simulator has read back from each serial port so far. */
  readBack(): Map<string, number>;
  log?: Logger;
  /** Rule tick in virtual ms (default 1 s, as the service's own). */
  tickMs?: number;
  /** Every alarm transition the gateway makes (raised, cleared, escalated...). */
  onAlarm?(t: AlarmTransition): void;
  /** Serial binding (default: the real one, bindings-cpp); in-memory lines for transport in-process. */
  serialBinding?: SerialBinding;
  /** Every firmware-update progress change (the service's `ota` live event). */
  onOta?(p: Record<string, unknown>): void;
}

export class InProcessGateway implements GatewayDriver {
  private svc: GatewayService | undefined;
  private tickTimer: TimerHandle | undefined;
  private downlinkTimer: TimerHandle | undefined;
  private downlinkDueAt = Number.POSITIVE_INFINITY;
  private rulesTimer: TimerHandle | undefined;
  private rulesDueAt = Number.POSITIVE_INFINITY;
  private wrote = false;
  private clock: Clock | undefined;
  private readonly opts: InProcessGatewayOptions;
  /** Settles that hit the deadline (the trace notes them). */
  slowSettles = 0;

  constructor(opts: InProcessGatewayOptions) {
    this.opts = opts;
  }

  get running(): boolean {
    return this.svc !== undefined;
  }

  /** The service, for hooks (alarm store, uplink) and tests. */
  service(): GatewayService | undefined {
    return this.svc;
  }

  async start(siteConfig: Record<string, unknown>, clock: Clock): Promise<void> {
    const loaded = loadSiteConfig(
      { text: JSON.stringify(siteConfig, null, 2), name: "scenario site" },
      { checkFiles: false },
    );
    if (!loaded.ok)
      throw new Error(
        `the generated site config is invalid:\n${formatConfigErrors(loaded.errors)}`,
      );
    const svc = new GatewayService({
      config: loaded.config,
      log: this.opts.log ?? createLogger("gateway", { level: "error" }),
      auth: new InstallAuth(() => false),
      clock: () => clock.now(),
      // Settling waits for every commit between two instants: on this thread, not the worker's.
      tuning: {
        rulesTickMs: NEVER_MS,
        rulesDeadlines: false,
        downlinkTickMs: NEVER_MS,
        commitInline: true,
      },
      // A bus waits for the line's silence on virtual time; what it then sends is read back.
      lineScheduler: {
        setTimeout: (fn, ms) =>
          clock.setTimeout(() => {
            if (this.svc === svc) this.noteOutput(fn);
          }, ms),
        clearTimeout: (h) => clock.clearTimeout(h as TimerHandle),
      },
      ...(this.opts.serialBinding ? { serialBinding: this.opts.serialBinding } : {}),
    });
    await svc.start();
    // Every alarm transition the service makes, as it makes it (for the trace).
    const store = svc.running().alarms;
    const onAlarm = this.opts.onAlarm;
    if (onAlarm) {
      const apply = store.apply.bind(store);
      store.apply = (action, now) => {
        const ts = apply(action, now);
        for (const t of ts) onAlarm(t);
        return ts;
      };
      const tickAlarms = store.tick.bind(store);
      store.tick = (now) => {
        const ts = tickAlarms(now);
        for (const t of ts) onAlarm(t);
        return ts;
      };
    }
    const onOta = this.opts.onOta;
    if (onOta) {
      const sse = svc.running().sse;
      const publish = sse.publish.bind(sse);
      sse.publish = (event, data) => {
        if (event === "ota") onOta(data as Record<string, unknown>);
        publish(event, data);
      };
    }
    this.svc = svc;
    this.clock = clock;
    // The rule tick (absence, inactivity, aggregates) follows virtual time.
    this.tickTimer = clock.setInterval(() => {
      if (this.svc !== svc) return;
      this.noteOutput(() => svc.runRulesTick());
      this.armDownlinkTick();
      this.armRulesDeadline();
    }, this.opts.tickMs ?? 1000);
  }

  /**
   * A rule's deadline (a shed total over its limit for durationS) runs the
   * rule tick at that virtual instant, not at the next whole tick.
   */
  private armRulesDeadline(): void {
    const svc = this.svc;
    const clock = this.clock;
    if (!svc || !clock) return;
    const due = svc.rulesDueAt();
    if (due === undefined || due >= this.rulesDueAt) return;
    clock.clearTimeout(this.rulesTimer);
    this.rulesDueAt = due;
    this.rulesTimer = clock.setTimeout(
      () => {
        this.rulesDueAt = Number.POSITIVE_INFINITY;
        this.rulesTimer = undefined;
        if (this.svc !== svc) return;
        this.noteOutput(() => svc.runRulesTick());
        this.armDownlinkTick();
        this.armRulesDeadline();
      },
      Math.max(0, due - clock.now()),
    );
  }

  /** Runs `fn` and remembers whether the gateway wrote to a serial line meanwhile. */
  private noteOutput(fn: () => void): void {
    const out = () => {
      let n = 0;
      for (const r of this.svc?.running().receivers ?? []) n += r.rx.stats.bytesOut;
      return n;
    };
    const before = out();
    fn();
    if (out() !== before) this.wrote = true;
  }

  /**
   * The downlink queue's resends follow virtual time: one virtual timer at the
   * queue's next due instant, re-armed after every tick and every settle.
   */
  private armDownlinkTick(): void {
    const svc = this.svc;
    const clock = this.clock;
    if (!svc || !clock) return;
    const p = svc.running();
    const queue = p.downlinks.nextDueAt();
    const ota = p.ota.nextDueAt(clock.now());
    const due = queue === undefined ? ota : ota === undefined ? queue : Math.min(queue, ota);
    if (due === undefined || due >= this.downlinkDueAt) return;
    clock.clearTimeout(this.downlinkTimer);
    this.downlinkDueAt = due;
    this.downlinkTimer = clock.setTimeout(() => {
      this.downlinkDueAt = Number.POSITIVE_INFINITY;
      this.downlinkTimer = undefined;
      if (this.svc !== svc) return;
      this.noteOutput(() => svc.downlinkTick());
      this.armDownlinkTick();
    }, due - clock.now());
  }

  /** True once after the gateway wrote on its own (a rule tick's cut, a scheduled resend). */
  takeOutput(): boolean {
    const w = this.wrote;
    this.wrote = false;
    return w;
  }

  async stop(): Promise<void> {
    const svc = this.svc;
    this.svc = undefined;
    this.clock?.clearInterval(this.tickTimer);
    this.clock?.clearTimeout(this.downlinkTimer);
    this.downlinkTimer = undefined;
    this.clock?.clearTimeout(this.rulesTimer);
    this.rulesTimer = undefined;
    this.downlinkDueAt = Number.POSITIVE_INFINITY;
    if (svc) await svc.stop();
  }

  async settle(expected: {
    serialBytes: Map<string, number>;
    mqttPublishes: number;
  }): Promise<void> {
    await this.settleInner(expected);
    this.armDownlinkTick();
    this.armRulesDeadline();
  }

  private async settleInner(expected: {
    serialBytes: Map<string, number>;
    mqttPublishes: number;
  }): Promise<void> {
    const svc = this.svc;
    if (!svc) return;
    const deadline = Date.now() + SETTLE_DEADLINE_MS;
    const parts = () => (this.svc === svc ? svc.running() : undefined);
    // 1. Everything written has been read and deframed by the receivers.
    for (;;) {
      const p = parts();
      if (!p) return;
      const behind = p.receivers.some(
        (r) => r.rx.stats.bytesIn < (expected.serialBytes.get(nameOf(r.rx.id)) ?? 0),
      );
      if (!behind) break;
      if (Date.now() > deadline) {
        this.slowSettles++;
        if (process.env.HAITANG_SIM_DEBUG === "1")
          process.stderr.write(
            `[sim] settle: receivers behind ${JSON.stringify(p.receivers.map((r) => [r.rx.id, r.rx.stats.bytesIn]))} vs ${JSON.stringify([...expected.serialBytes])}\n`,
          );
        return;
      }
      await new Promise((r) => setImmediate(r));
    }
    // 2. Held frames are committed now (in virtual time the merge window has passed).
    const p = parts();
    if (!p) return;
    p.pipeline.flushHeld();
    p.committer.flush();
    // 3. Every byte the gateway wrote back (acks, commands) has reached the simulator.
    for (;;) {
      const q = parts();
      if (!q) return;
      const back = this.opts.readBack();
      const behind = q.receivers.some(
        (r) => (back.get(nameOf(r.rx.id)) ?? 0) < r.rx.stats.bytesOut,
      );
      if (!behind) return;
      if (Date.now() > deadline) {
        this.slowSettles++;
        if (process.env.HAITANG_SIM_DEBUG === "1")
          process.stderr.write(
            `[sim] settle: read back ${JSON.stringify([...back])} vs out ${JSON.stringify(q.receivers.map((r) => [r.rx.id, r.rx.stats.bytesOut]))}\n`,
          );
        return;
      }
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Starts a firmware-update campaign at this virtual instant (what POST /api/ota/campaigns does). */
  startOta(req: StartRequest): StartResult {
    const svc = this.svc;
    const clock = this.clock;
    if (!svc || !clock) throw new Error("the gateway is not running");
    const p = svc.running();
    const r = startCampaign(req, {
      devices: p.registry.list(),
      lookup: (d) => p.registry.get(d),
      engine: p.ota,
      now: clock.now(),
    });
    this.noteOutput(() => svc.downlinkTick());
    this.armDownlinkTick();
    return r;
  }

  async counters(): Promise<Record<string, number>> {
    const svc = this.svc;
    if (!svc) return {};
    const h = svc.health() as { counters?: Record<string, number> };
    return { ...(h.counters ?? {}) };
  }

  commandsReady(): boolean {
    const svc = this.svc;
    return svc ? (svc.running().uplink?.commandsReady() ?? false) : false;
  }

  /** Entries waiting for the cloud; 0 when the service has no uplink to drain them. */
  async outboxDepth(): Promise<number> {
    const svc = this.svc;
    if (!svc) return 0;
    const h = svc.health() as { uplinkState?: string };
    if (h.uplinkState === "disabled") return 0;
    return svc.running().outbox.depth();
  }
}

/** Receiver ids are `serial:<name>`. */
function nameOf(linkId: string): string {
  return linkId.startsWith("serial:") ? linkId.slice("serial:".length) : linkId;
}
