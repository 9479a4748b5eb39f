/**
 * Runs the escalation chains of welfare and wandering alarms (chain.ts) in
 * the cloud bridge: tells each step's people through the bridge's webhooks,
 * with a signed acknowledgement link each (ack-link.ts), writes every step on
 * the alarm's timeline (escalated to whom, notified whom, who answered), and
 * stops when someone answers, the gateway acknowledges or the alarm clears.
 * The instance that stored the raise runs the chain (as AlarmNotifier does
 * for the global escalation, which leaves these kinds alone).
 */
import type { Logger } from "../../common/log.js";
import type { AlarmDelivery } from "../alarms/notifier.js";
import { bodyHead, type WebhookSender } from "../alarms/webhook-sender.js";
import type { BridgeConfig, WebhookConfig } from "../config/types.js";
import type { AlarmView, TimelineEntry } from "../live/views.js";
import type { MetricsRegistry } from "../metrics/registry.js";
import { ackUrl, signAck } from "./ack-link.js";
import {
  answered,
  type ChainRun,
  chainFor,
  dueAction,
  startChain,
  type TellAction,
  told,
} from "./chain.js";
import type { ChainConfig, ChainStep } from "./config.js";

/** What a chain needs of an alarm (an AlarmView, or the raise as it arrives). */
export type ChainAlarm = Pick<
  AlarmView,
  | "site"
  | "gateway"
  | "alarmId"
  | "kind"
  | "severity"
  | "deviceId"
  | "active"
  | "acknowledged"
  | "raisedAt"
> &
  Partial<Pick<AlarmView, "location" | "building">>;

/** What the chain asks of the rest of the bridge. */
export interface ChainPorts {
  lookup(site: string, alarmId: string): AlarmView | undefined;
  /** Adds a step to the alarm's timeline (and the live stream). */
  note(site: string, alarmId: string, entry: TimelineEntry): void;
  /**
   * Called when a chain moves to a further step (step >= 1): the wiring opens
   * the step's work order (ChainStep.workOrderTo) here.
   */
  onEscalated?(alarm: ChainAlarm, step: number, cfg: ChainStep, now: number): void;
}

/** A chain notification's delivery: the timeline notes `notified` with the step as level. */
export interface ChainDelivery extends AlarmDelivery {
  level: number;
}

interface Entry {
  run: ChainRun;
  chain: ChainConfig;
  kind: string;
  deviceId: string;
  watchedSince: number;
}

export class GuardianChains {
  private readonly runs = new Map<string, Entry>();
  private readonly told;
  private readonly answers;

  constructor(
    private readonly cfg: BridgeConfig,
    private readonly sender: WebhookSender,
    private readonly ports: ChainPorts,
    private readonly log: Logger,
    metrics: MetricsRegistry,
  ) {
    this.told = metrics.counter(
      "haitang_bridge_guardian_chain_notifications_total",
      "Guardian chain notifications started, by step and whether it was a reminder",
    );
    this.answers = metrics.counter(
      "haitang_bridge_guardian_chain_answers_total",
      "Guardian chain acknowledgements by link, by result",
    );
    metrics.gaugeFn(
      "haitang_bridge_guardian_chains_running",
      "Welfare and wandering alarms whose chain waits for an answer",
      () => this.runs.size,
    );
  }

  /** True when a chain carries this alarm kind (the global escalation then leaves it alone). */
  carries(kind: string): boolean {
    return chainFor(this.cfg.guardian.chains, kind) !== undefined;
  }

  /** A raised alarm: starts its chain and tells step 0. */
  async onRaised(a: ChainAlarm, now: number): Promise<void> {
    const chain = chainFor(this.cfg.guardian.chains, a.kind);
    const id = `${a.site}/${a.alarmId}`;
    if (!chain || !a.active || a.acknowledged || this.runs.has(id)) return;
    const e: Entry = {
      run: startChain(a.site, a.alarmId, now),
      chain,
      kind: a.kind,
      deviceId: a.deviceId,
      watchedSince: now,
    };
    this.runs.set(id, e);
    await this.tell(e, a, { step: 0, repeat: 0 }, now);
  }

  /**
   * Alarms rebuilt after a restart: each chain resumes at the step due by the
   * time since the raise, told again now (its people may have been told by the
   * instance that stopped; the reminder is the safe side).
   */
  async watchRebuilt(alarms: AlarmView[], now: number): Promise<void> {
    const sends: Promise<void>[] = [];
    for (const a of alarms) {
      const chain = chainFor(this.cfg.guardian.chains, a.kind);
      const id = `${a.site}/${a.alarmId}`;
      if (!chain || !a.active || a.acknowledged || this.runs.has(id)) continue;
      const run = startChain(a.site, a.alarmId, a.raisedAt);
      const due = dueAction(run, chain, now);
      const e: Entry = { run, chain, kind: a.kind, deviceId: a.deviceId, watchedSince: now };
      this.runs.set(id, e);
      // A restart's reminder: numbered past any the stopped instance may have sent.
      const repeat = 1 + Math.floor((now - a.raisedAt) / 1000);
      sends.push(this.tell(e, a, { step: due?.step ?? 0, repeat }, now));
    }
    await Promise.all(sends);
  }

  /** Moves every chain on; call every guardian.checkIntervalS. */
  async tick(now: number): Promise<void> {
    const sends: Promise<void>[] = [];
    for (const [id, e] of this.runs) {
      const view = this.ports.lookup(e.run.site, e.run.alarmId);
      if (!view) {
        if (now - e.watchedSince > this.cfg.alarms.recentHours * 3600_000) this.runs.delete(id);
        continue;
      }
      if (!view.active || view.acknowledged || e.run.ended) {
        this.runs.delete(id);
        continue;
      }
      const a = dueAction(e.run, e.chain, now);
      if (a) sends.push(this.tell(e, view, a, now));
    }
    await Promise.all(sends);
  }

  /**
   * Someone who was told answered (their acknowledgement link). Ends the
   * chain; returns false when this instance runs no chain for the alarm.
   */
  answer(site: string, alarmId: string, by: string, step: number, now: number): boolean {
    const e = this.runs.get(`${site}/${alarmId}`);
    if (!e || e.run.ended) {
      this.answers.inc({ result: "no-chain" });
      return false;
    }
    e.run = answered(e.run, by, step, now);
    this.answers.inc({ result: "ended" });
    return true;
  }

  /** The chain's state of an alarm (tests, the API). */
  runOf(site: string, alarmId: string): ChainRun | undefined {
    return this.runs.get(`${site}/${alarmId}`)?.run;
  }

  private targets(e: Entry, step: number): WebhookConfig[] {
    const s = e.chain.steps[step]!;
    const names = new Set(s.webhooks);
    if (s.family)
      for (const r of this.cfg.guardian.residents)
        if (r.site === e.run.site && r.deviceId === e.deviceId)
          for (const f of r.family) names.add(f);
    return this.cfg.webhooks.filter(
      (h) => names.has(h.name) && (h.sites.includes("*") || h.sites.includes(e.run.site)),
    );
  }

  private async tell(e: Entry, a: ChainAlarm, act: TellAction, now: number): Promise<void> {
    let { step } = act;
    let hooks = this.targets(e, step);
    // A step with nobody to tell (a resident without family listed) hands over at once.
    while (hooks.length === 0 && step < e.chain.steps.length - 1) hooks = this.targets(e, ++step);
    const repeat = step === act.step ? act.repeat : 0;
    e.run = told(e.run, { step, repeat }, now);
    const stepName = e.chain.steps[step]!.name;
    if (step > 0 && repeat === 0) {
      this.ports.note(a.site, a.alarmId, {
        at: now,
        what: "escalated",
        level: step,
        target: stepName,
      });
      this.log.info("guardian chain escalated", {
        site: a.site,
        alarmId: a.alarmId,
        step: stepName,
      });
      this.ports.onEscalated?.(a, step, e.chain.steps[step]!, now);
    }
    if (hooks.length === 0) {
      this.log.warn("guardian chain step tells nobody", { site: a.site, alarmId: a.alarmId, step });
      return;
    }
    this.told.inc({ step: stepName, reminder: repeat > 0 ? "yes" : "no" });
    const key = `${a.site}/${a.alarmId}/chain/${step}/${repeat}`;
    const event = repeat > 0 ? "guardian.reminder" : "guardian.notify";
    const g = this.cfg.guardian;
    const siteName = this.cfg.sites[a.site]?.name;
    await Promise.all(
      hooks.map((hook) => {
        const token = g.ackSecret
          ? signAck(g.ackSecret, { site: a.site, alarmId: a.alarmId, step, who: hook.name })
          : undefined;
        const d: ChainDelivery = {
          site: a.site,
          alarmId: a.alarmId,
          level: step,
          idempotencyKey: key,
          event,
          body: (attempt, sentAt) => ({
            ...bodyHead(key, event, attempt, sentAt, hook, a.site, siteName),
            // States and times only: the kind, the flat, since when; never a sensor stream.
            alarm: {
              alarmId: a.alarmId,
              kind: a.kind,
              severity: a.severity,
              deviceId: a.deviceId,
              raisedAt: a.raisedAt,
              ...(a.location !== undefined ? { location: a.location } : {}),
              ...(a.building !== undefined ? { building: a.building } : {}),
            },
            chain: { step, stepName, reminder: repeat, of: e.chain.steps.length },
            ...(token ? { ack: { url: ackUrl(g.publicUrl, token), token } } : {}),
          }),
        };
        return this.sender.deliver(hook, d).then(() => undefined);
      }),
    );
  }
}
