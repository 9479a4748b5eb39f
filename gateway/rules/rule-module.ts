/**
 * The shape of one rule kind. A module keeps its own state (bounded by the
 * devices and ports it has seen) and appends actions; it never does I/O and
 * never reads the clock: `now` is passed in.
 */
import type { ShedConfig } from "../config/site-config.js";
import type { AcceptedMessage, Action, DeviceRecord, DropReason } from "../types.js";
import type { DeviceDirectory } from "./directory.js";

export interface RuleContext {
  directory: DeviceDirectory;
  sheds: ReadonlyMap<string, ShedConfig>;
  utcOffsetMin: number;
  /** When the engine state was created (gateway start). */
  startedAt: number;
}

export interface RuleModule<C, S> {
  /** Message types the module looks at (others are skipped before scope checks). */
  accepts: ReadonlySet<AcceptedMessage["msg"]["type"]> | "all";
  init(rule: C, now: number): S;
  onMessage(
    rule: C,
    state: S,
    msg: AcceptedMessage,
    device: DeviceRecord,
    now: number,
    ctx: RuleContext,
    out: Action[],
  ): void;
  tick?(rule: C, state: S, now: number, ctx: RuleContext, out: Action[]): void;
  /**
   * The earliest instant at which a tick would act (a deadline that runs out),
   * or undefined: the service runs the tick then instead of up to one tick
   * interval later (the shed total's 5 s budget).
   */
  dueAt?(rule: C, state: S): number | undefined;
  /** A frame of a known device id was rejected by the pipeline (bad MAC, replay...). */
  onRejected?(
    rule: C,
    state: S,
    deviceId: number,
    reason: DropReason,
    now: number,
    ctx: RuleContext,
    out: Action[],
  ): void;
  /** Drops state of devices that left the directory (keeps memory bounded). */
  prune?(rule: C, state: S, ctx: RuleContext, now: number): void;
}

/** Stable text of a number for evidence: at most one decimal. */
export function num(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** "HH:MM" local time of an epoch-ms instant. */
export function localClock(ms: number, utcOffsetMin: number): string {
  const minutes = Math.floor(ms / 60_000) + utcOffsetMin;
  const m = ((minutes % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

/** A duration as people read it in evidence: "3.0 h" from an hour, "5 min" or "40 s" below. */
export function duration(ms: number): string {
  if (ms >= 3_600_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 1000)} s`;
}
