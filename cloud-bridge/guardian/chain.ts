/**
 * The escalation chain of one welfare or wandering alarm, as a pure value:
 * step 0 (the family) is told when the alarm is raised; a step unanswered for
 * its `ackWithinS` hands over to the next (the grid worker, then the duty
 * desk); the current step is told again every `repeatS` while nobody answers
 * (the last step keeps being reminded until someone does). An answer at any
 * step, an acknowledgement at the gateway or the alarm clearing ends it.
 * Time is passed in; the runner (chain-runner.ts) does the sending.
 */
import type { ChainConfig } from "./config.js";

export interface ChainRun {
  site: string;
  alarmId: string;
  /** The current step (index into ChainConfig.steps). */
  step: number;
  /** When the current step was first told. */
  stepSince: number;
  /** When the current step was last told (first time or a reminder). */
  lastToldAt: number;
  /** Reminders of the current step so far. */
  repeat: number;
  answered?: { by: string; at: number; step: number };
  ended: boolean;
}

/** Tell step `step` now; `repeat` 0 = the first time, n = the n-th reminder. */
export interface TellAction {
  step: number;
  repeat: number;
}

export function startChain(site: string, alarmId: string, now: number): ChainRun {
  return { site, alarmId, step: 0, stepSince: now, lastToldAt: now, repeat: 0, ended: false };
}

/**
 * What is due at `now`: the next step when the current one let its time pass
 * unanswered (only the furthest due step is told when several are due at once,
 * e.g. after a restart), else a reminder of the current step.
 */
export function dueAction(run: ChainRun, chain: ChainConfig, now: number): TellAction | undefined {
  if (run.ended) return undefined;
  let step = run.step;
  let since = run.stepSince;
  while (step < chain.steps.length - 1 && now - since >= chain.steps[step]!.ackWithinS * 1000) {
    since += chain.steps[step]!.ackWithinS * 1000;
    step++;
  }
  if (step !== run.step) return { step, repeat: 0 };
  if (chain.repeatS > 0 && now - run.lastToldAt >= chain.repeatS * 1000)
    return { step, repeat: run.repeat + 1 };
  return undefined;
}

/** The run after telling `a` at `now`. */
export function told(run: ChainRun, a: TellAction, now: number): ChainRun {
  if (a.step !== run.step)
    return { ...run, step: a.step, stepSince: now, lastToldAt: now, repeat: 0 };
  return { ...run, lastToldAt: now, repeat: a.repeat };
}

/** The run after someone of step `step` answered. */
export function answered(run: ChainRun, by: string, step: number, now: number): ChainRun {
  return { ...run, answered: { by, at: now, step }, ended: true };
}

/** The chain of an alarm kind, if one carries it. */
export function chainFor(chains: ChainConfig[], kind: string): ChainConfig | undefined {
  return chains.find((c) => c.kinds.includes(kind));
}
