/**
 * Runs scenario files one after another with one image cache: the entry point
 * of `haitang sim run`, the library test and benchmarks.
 */

import { sandboxRuntime } from "./devices/sandbox-runtime.js";
import type { ScenarioResult } from "./report/junit.js";
import { closeTraceFile, openTraceFile } from "./report/trace.js";
import { ImageCache } from "./runner/firmware-source.js";
import { InProcessGateway } from "./runner/gateway-driver.js";
import { runScenario } from "./runner/scenario-runner.js";
import { formatErrors, loadScenarioFile } from "./scenario/load-scenario.js";

export interface RunFilesOptions {
  seed?: number;
  tracePath?: string;
  /** Called after each scenario (progress output). */
  onResult?(r: ScenarioResult): void;
  images?: ImageCache;
}

export async function runFiles(
  files: string[],
  opts: RunFilesOptions = {},
): Promise<ScenarioResult[]> {
  const images = opts.images ?? new ImageCache();
  const traceFile = opts.tracePath ? openTraceFile(opts.tracePath) : undefined;
  const results: ScenarioResult[] = [];
  try {
    for (const file of files) {
      const loaded = loadScenarioFile(file);
      let r: ScenarioResult;
      if (!loaded.ok) {
        r = {
          name: file,
          file,
          wallS: 0,
          simulatedS: 0,
          seed: opts.seed ?? 0,
          cases: [],
          error: `invalid scenario:\n${formatErrors(file, loaded.errors)}`,
        };
      } else {
        const runOpts: Parameters<typeof runScenario>[1] = {
          firmware: { imageFor: (c, b) => images.imageFor(c, b), runtime: sandboxRuntime },
          gateway: (io) => new InProcessGateway({ readBack: io.readBack, onAlarm: io.onAlarm }),
        };
        if (traceFile) runOpts.traceFile = traceFile;
        if (opts.seed !== undefined) runOpts.seed = opts.seed;
        r = await runScenario(loaded.scenario, runOpts);
      }
      results.push(r);
      opts.onResult?.(r);
    }
  } finally {
    if (traceFile) await closeTraceFile(traceFile);
  }
  return results;
}
