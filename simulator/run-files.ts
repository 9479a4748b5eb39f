/**
 * Runs scenario files one after another with one image cache: the entry point
 * of `haitang sim run`, the library test and benchmarks.
 */

import { nativeAppSource } from "./devices/native-image.js";
import { nativeRuntime } from "./devices/native-runtime.js";
import { sandboxRuntime } from "./devices/sandbox-runtime.js";
import type { ScenarioResult } from "./report/junit.js";
import { closeTraceFile, openTraceFile } from "./report/trace.js";
import type { FirmwareSource } from "./runner/contracts.js";
import { ImageCache } from "./runner/firmware-source.js";
import { InProcessGateway } from "./runner/gateway-driver.js";
import { type GatewayIo, runScenario } from "./runner/scenario-runner.js";
import { formatErrors, loadScenarioFile } from "./scenario/load-scenario.js";

/** The real gateway service in this process, wired to the run (the usual GatewayDriver). */
export function inProcessGateway(io: GatewayIo): InProcessGateway {
  return new InProcessGateway({
    readBack: io.readBack,
    onAlarm: io.onAlarm,
    ...(io.onOta ? { onOta: io.onOta } : {}),
    ...(io.serialBinding ? { serialBinding: io.serialBinding } : {}),
  });
}

/**
 * Where virtual devices' firmware comes from: "sandbox" (default) runs the
 * built image, the flashed bytes, in the vm sandbox; "native" runs the same
 * app source in this process (native-runtime.ts; the same frames, tested),
 * several times faster, for long soak runs.
 */
export function firmwareSource(
  runtime: "sandbox" | "native" = "sandbox",
  images = new ImageCache(),
): FirmwareSource {
  if (runtime === "native")
    return { imageFor: (c) => nativeAppSource(c.kind), runtime: nativeRuntime };
  return { imageFor: (c, b) => images.imageFor(c, b), runtime: sandboxRuntime };
}

export interface RunFilesOptions {
  seed?: number;
  /** Overrides every scenario's serial transport. */
  transport?: "pty" | "in-process";
  /** The built images in the sandbox (default) or the app source natively. */
  runtime?: "sandbox" | "native";
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
          firmware: firmwareSource(opts.runtime, images),
          gateway: inProcessGateway,
        };
        if (traceFile) runOpts.traceFile = traceFile;
        if (opts.seed !== undefined) runOpts.seed = opts.seed;
        if (opts.transport) runOpts.transport = opts.transport;
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
