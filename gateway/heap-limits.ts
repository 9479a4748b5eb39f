/**
 * The gateway's V8 heap kept small at run time, without node options (issue
 * 15: RSS under 150 MB at 10,000 devices and 5,000 frames/s on a Raspberry Pi).
 *
 * - The young generation stays at its initial size (one 1 MB semi-space, or
 *   node's `--min-semi-space-size`): V8 otherwise doubles it whenever many
 *   objects survive a scavenge, and loading a 10,000-device site grows it to
 *   32 MB that is never given back. `--max-semi-space-size` is read only when
 *   the heap is set up, but the growth factor is read at every growth, so it
 *   can be set here, after start.
 * - The old generation's next collection is due at `1 + growingPercent/100`
 *   times what survived the last one (V8 picks 1.1 to 4 from its GC speed; on
 *   a busy 2-core machine it picks high and the heap holds 60 MB of garbage).
 *
 * Flags are per process, and setting up any isolate (the commit worker's)
 * puts the growth factor back to at least 2: the commit channel calls
 * `reapplyHeapLimits` as soon as its worker runs (also after a restart); the
 * worker's own young generation is capped by its resourceLimits.
 */
import { setFlagsFromString } from "node:v8";

export interface HeapLimits {
  /** Factor by which V8 may grow the young generation; 1 = never grows. */
  semiSpaceGrowthFactor: number;
  /** Old generation grows to (1 + this/100) x its live size before a full collection; 0 = V8's choice. */
  growingPercent: number;
  /**
   * V8's baseline compiler (Sparkplug), which turns warm functions' bytecode into
   * machine code on the way to the optimizing compiler; false: hot code is still
   * optimized, warm code stays bytecode.
   */
  sparkplug: boolean;
}

/**
 * 15 %: at 10,000 devices and 5,000 frames/s the main heap's live set is
 * 60-80 MB and V8's own choice holds 120-140 MB. A steady-state run (120 s
 * warm-up, 60 s counted; gateway/README.md) took 185-186 MB at 30 %, 175 MB at
 * 15 % and 176 MB at 10 %, for no CPU per frame that the e2e bench could see
 * (0.145-0.155, 0.142 and 0.150 s per 1,000 frames).
 */
export const GATEWAY_HEAP_LIMITS: HeapLimits = {
  semiSpaceGrowthFactor: 1,
  growingPercent: 15,
  // In the same steady state (3 runs each, load 1.7-2.1) 146 / 146 / 148 MB without it against
  // 148 / 150 / 151 MB with it, at 0.142 and 0.140 CPU s per 1,000 frames, alarm p99 27 and 30 ms.
  sparkplug: false,
};

/** The V8 flags for `limits` (pure, for tests and the README). */
export function heapLimitFlags(limits: HeapLimits): string[] {
  const flags = [`--semi-space-growth-factor=${limits.semiSpaceGrowthFactor}`];
  if (limits.growingPercent > 0) flags.push(`--heap-growing-percent=${limits.growingPercent}`);
  if (!limits.sparkplug) flags.push("--no-sparkplug");
  return flags;
}

/**
 * `flags` without those the process's node command line already sets (node
 * refuses these V8 flags in NODE_OPTIONS): an operator's
 * `node --heap-growing-percent=15 bin/haitang.js gateway` wins (pure).
 */
export function flagsNotSetBy(flags: string[], nodeOptions: string[]): string[] {
  // A flag's name without its value and without "no-": --sparkplug overrides --no-sparkplug.
  const name = (o: string) => (o.split("=")[0] ?? "").replaceAll("_", "-").replace(/^--no-/, "--");
  const named = new Set(nodeOptions.map(name));
  return flags.filter((f) => !named.has(name(f)));
}

/** The limits this process asked for (undefined: node's defaults, e.g. in tests). */
let applied: HeapLimits | undefined;

/**
 * Applies `limits` to this process's V8 (early in `haitang gateway`, before
 * the site loads), but no flag node's command line set; returns the
 * flags set.
 */
export function applyHeapLimits(limits: HeapLimits = GATEWAY_HEAP_LIMITS): string[] {
  applied = limits;
  const flags = flagsNotSetBy(heapLimitFlags(limits), process.execArgv);
  for (const f of flags) setFlagsFromString(f);
  return flags;
}

/** After a new isolate (worker) is set up: the limits again, if this process applied any. */
export function reapplyHeapLimits(): void {
  if (applied) applyHeapLimits(applied);
}
