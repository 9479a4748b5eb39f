/**
 * The rule engine: declarative rules from the site config, evaluated as pure
 * functions of (state, message, device, now) and (state, now). No I/O, no
 * clock: the wiring carries out the actions (alarm store, downlink queue,
 * notifications) and passes `now`.
 *
 * Ownership: `onMessage` and `tick` update the state they are given and
 * return it (copying maps per frame would cost more than the rules); callers
 * keep only the returned state. State is bounded: per device and port it has
 * seen, pruned of devices that leave the directory.
 */
import type { RuleConfig, RuleKind, ShedConfig, SiteConfig } from "../config/site-config.js";
import type { AcceptedMessage, Action, DeviceRecord, DropReason } from "../types.js";
import { absenceRule } from "./absence.js";
import { aggregateRule } from "./aggregate.js";
import { deviceEventRule } from "./device-event.js";
import type { DeviceDirectory } from "./directory.js";
import { illegalLoadRule } from "./illegal-load.js";
import { inactivityRule } from "./inactivity.js";
import type { RuleContext, RuleModule } from "./rule-module.js";
import { inScope } from "./scope.js";
import { securityRule } from "./security.js";
import { thresholdRule } from "./threshold.js";
import { welfareRule } from "./welfare.js";

// biome-ignore lint/suspicious/noExplicitAny: the table pairs each kind with its own config type.
const MODULES: Record<RuleKind, RuleModule<any, unknown>> = {
  threshold: thresholdRule,
  "device-event": deviceEventRule,
  absence: absenceRule,
  aggregate: aggregateRule,
  "illegal-load": illegalLoadRule,
  inactivity: inactivityRule,
  welfare: welfareRule,
  security: securityRule,
};

const PRUNE_EVERY_MS = 60_000;

interface RuleSlot {
  kind: RuleKind;
  /** The rule's config as JSON: a reload keeps the state of an unchanged rule. */
  fingerprint: string;
  state: unknown;
}

export interface RuleState {
  startedAt: number;
  lastPruneAt: number;
  rules: Map<string, RuleSlot>;
  /** Exceptions per rule id (a failing rule never stops the others). */
  failures: Map<string, number>;
}

export interface RuleFailure {
  rule: string;
  error: string;
}

export interface RuleResult {
  state: RuleState;
  actions: Action[];
  failures: RuleFailure[];
}

export interface RuleEngine {
  readonly rules: readonly RuleConfig[];
  /** A fresh state, or one carried over from `previous` for rules whose config is unchanged. */
  init(now: number, previous?: RuleState): RuleState;
  onMessage(state: RuleState, msg: AcceptedMessage, device: DeviceRecord, now: number): RuleResult;
  tick(state: RuleState, now: number): RuleResult;
  /** The earliest deadline of any rule (RuleModule.dueAt): run `tick` then. */
  dueAt(state: RuleState): number | undefined;
  /** A frame of a known device id was rejected by the pipeline (security rules). */
  onRejected(state: RuleState, deviceId: number, reason: DropReason, now: number): RuleResult;
}

export type EngineConfig = Pick<SiteConfig, "rules" | "sheds" | "utcOffsetMin">;

export function createRuleEngine(config: EngineConfig, directory: DeviceDirectory): RuleEngine {
  const rules = config.rules.filter((r) => r.enabled);
  const sheds = new Map<string, ShedConfig>(config.sheds.map((s) => [s.id, s]));
  let lastCtx: RuleContext | undefined;
  const ctxOf = (state: RuleState): RuleContext => {
    if (lastCtx?.startedAt !== state.startedAt)
      lastCtx = { directory, sheds, utcOffsetMin: config.utcOffsetMin, startedAt: state.startedAt };
    return lastCtx;
  };
  /** The rules whose module has deadlines: the service asks for them after every accepted frame. */
  const timed = rules.filter((r) => MODULES[r.kind].dueAt !== undefined);
  /** Per message type, the rules whose module takes it (the per-frame loop skips the rest). */
  const byType = new Map<string, RuleConfig[]>();
  const rulesFor = (type: string): RuleConfig[] => {
    let list = byType.get(type);
    if (!list) {
      list = rules.filter((r) => {
        const accepts = MODULES[r.kind].accepts;
        return accepts === "all" || accepts.has(type as AcceptedMessage["msg"]["type"]);
      });
      byType.set(type, list);
    }
    return list;
  };
  const run = (
    state: RuleState,
    failures: RuleFailure[],
    rule: RuleConfig,
    fn: (mod: RuleModule<RuleConfig, unknown>, slot: RuleSlot) => void,
  ) => {
    const slot = state.rules.get(rule.id);
    if (!slot) return;
    try {
      fn(MODULES[rule.kind] as RuleModule<RuleConfig, unknown>, slot);
    } catch (e) {
      state.failures.set(rule.id, (state.failures.get(rule.id) ?? 0) + 1);
      failures.push({ rule: rule.id, error: e instanceof Error ? e.message : String(e) });
    }
  };

  return {
    rules,
    init(now, previous) {
      const state: RuleState = {
        startedAt: previous?.startedAt ?? now,
        lastPruneAt: now,
        rules: new Map(),
        failures: new Map(),
      };
      for (const rule of rules) {
        const fingerprint = JSON.stringify(rule);
        const old = previous?.rules.get(rule.id);
        const keep = old && old.kind === rule.kind && old.fingerprint === fingerprint;
        state.rules.set(rule.id, {
          kind: rule.kind,
          fingerprint,
          state: keep ? old.state : MODULES[rule.kind].init(rule, now),
        });
      }
      return state;
    },
    onMessage(state, msg, device, now) {
      const actions: Action[] = [];
      const failures: RuleFailure[] = [];
      const ctx = ctxOf(state);
      for (const rule of rulesFor(msg.msg.type)) {
        if (!inScope(rule, device)) continue;
        const slot = state.rules.get(rule.id);
        if (!slot) continue;
        try {
          MODULES[rule.kind].onMessage(rule, slot.state, msg, device, now, ctx, actions);
        } catch (e) {
          state.failures.set(rule.id, (state.failures.get(rule.id) ?? 0) + 1);
          failures.push({ rule: rule.id, error: e instanceof Error ? e.message : String(e) });
        }
      }
      return { state, actions, failures };
    },
    onRejected(state, deviceId, reason, now) {
      const actions: Action[] = [];
      const failures: RuleFailure[] = [];
      const ctx = ctxOf(state);
      const device = directory.get(deviceId);
      for (const rule of rules) {
        const mod = MODULES[rule.kind];
        if (!mod.onRejected) continue;
        if (device ? !inScope(rule, device) : rule.devices || rule.buildings || rule.sheds)
          continue;
        run(state, failures, rule, (m, slot) =>
          m.onRejected?.(rule, slot.state, deviceId, reason, now, ctx, actions),
        );
      }
      return { state, actions, failures };
    },
    tick(state, now) {
      const actions: Action[] = [];
      const failures: RuleFailure[] = [];
      const ctx = ctxOf(state);
      const prune = now - state.lastPruneAt >= PRUNE_EVERY_MS;
      if (prune) state.lastPruneAt = now;
      for (const rule of rules) {
        run(state, failures, rule, (m, slot) => {
          m.tick?.(rule, slot.state, now, ctx, actions);
          if (prune) m.prune?.(rule, slot.state, ctx, now);
        });
      }
      return { state, actions, failures };
    },
    dueAt(state) {
      let due: number | undefined;
      for (const rule of timed) {
        const slot = state.rules.get(rule.id);
        const at = slot && MODULES[rule.kind].dueAt?.(rule as never, slot.state as never);
        if (at !== undefined && (due === undefined || at < due)) due = at;
      }
      return due;
    },
  };
}
