/**
 * The firmware build: device config + board -> one ES5 file for Espruino.
 *   validate config, resolve pins -> esbuild bundle -> TypeScript ES5 ->
 *   compatibility check (each module and the bundle, named by .ts file:line) ->
 *   terser -> Espruino transform (declarations before use) -> check of the
 *   final image -> size against the board budget.
 * In-process API for the CLI, the installer and the simulator.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { repoRoot } from "../../common/paths.js";
import type { DeviceConfig, DeviceKind } from "../device-config.js";
import { type Board, getBoard, STORAGE_RESERVE_BYTES } from "./boards.js";
import { BundleError, bundleApp, displayPath } from "./bundle.js";
import { type CompatViolation, checkEspruinoCompat, formatViolation } from "./compat-check.js";
import {
  type ConfigIssue,
  checkDeviceConfig,
  checkKindAndBoard,
  checkRoles,
  formatIssue,
  resolvePins,
} from "./device-config-check.js";
import { downlevelToEs5 } from "./downlevel.js";
import { makeEspruinoSafe } from "./espruino-transform.js";
import { propertiesToMangle } from "./mangled-properties.js";
import { checkMemory } from "./memory-table.js";
import { minifyEs5 } from "./minify.js";
import { bytesPerSource, checkBundle, checkModuleSource, composeMaps } from "./source-check.js";

export interface BuildFirmwareOptions {
  kind: DeviceKind;
  /** Board name (see boards.ts) or a board record. */
  board: string | Board;
  /** The parsed --device JSON; validated here. */
  device: unknown;
  /** "major.minor.patch"; default: package.json's version. */
  version?: string;
  /** App entry instead of firmware/apps/<kind>.ts (test fixtures). */
  entry?: string;
  /** How to name the device config in messages (its file name). */
  deviceSource?: string;
  /** Fill report.moduleBytes (costs source maps through terser). */
  measureModules?: boolean;
  /**
   * false: skip the JsVar check against the measured table (memory-table.ts);
   * only bench/firmware-memory.ts, which makes that table, builds so.
   */
  checkMemory?: boolean;
}

export interface BuildReport {
  kind: DeviceKind;
  board: string;
  version: string;
  deviceId: number;
  bytes: number;
  budgetBytes: number;
  /** bytes / budgetBytes, in percent. */
  budgetPercent: number;
  /**
   * JsVars the image is expected to use after boot and at the alarm peak
   * (memory-table.ts), of the board's `jsVars`; absent when the build skipped the check.
   */
  memory?: { bootJsVars: number; peakJsVars: number; jsVars: number };
  stages: { bundleBytes: number; es5Bytes: number; minifiedBytes: number; finalBytes: number };
  /** Bundled source files, repository-relative. */
  modules: string[];
  /**
   * With `measureModules`: bytes of the minified image per source file (from
   * terser's source map; the transform's few added bytes are not attributed).
   */
  moduleBytes?: Record<string, number>;
  pins: { role: string; pin: string }[];
}

export interface BuildResult {
  code: string;
  bytes: number;
  /** Hex SHA-256 of `code`. */
  sha256: string;
  version: string;
  report: BuildReport;
}

export type BuildFailure = "config" | "bundle" | "compat" | "size";

export class FirmwareBuildError extends Error {
  readonly failure: BuildFailure;
  readonly problems: string[];
  readonly violations: CompatViolation[];
  readonly issues: ConfigIssue[];
  constructor(
    failure: BuildFailure,
    summary: string,
    problems: string[],
    extra: { violations?: CompatViolation[]; issues?: ConfigIssue[] } = {},
  ) {
    super(problems.length ? `${summary}:\n  ${problems.join("\n  ")}` : summary);
    this.name = "FirmwareBuildError";
    this.failure = failure;
    this.problems = problems;
    this.violations = extra.violations ?? [];
    this.issues = extra.issues ?? [];
  }
}

const VERSION = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function defaultFirmwareVersion(root = repoRoot()): string {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version?: string };
  return pkg.version ?? "0.0.0";
}

function checkVersion(version: string): void {
  const m = VERSION.exec(version);
  if (!m || m.slice(1).some((p) => Number(p) > 255)) {
    throw new FirmwareBuildError("config", "bad firmware version", [
      `version ${JSON.stringify(version)} must be major.minor.patch, each 0..255 (the status frame carries one byte each)`,
    ]);
  }
}

/** Config checks in the order an installer fixes them; throws with every issue found. */
function validated(
  opts: BuildFirmwareOptions,
  board: Board,
): { device: DeviceConfig; pins: { role: string; pin: string }[] } {
  const source = opts.deviceSource ?? "device config";
  const fail = (issues: ConfigIssue[]): never => {
    throw new FirmwareBuildError(
      "config",
      `invalid device config for a ${opts.kind} on ${board.name}`,
      issues.map((i) => formatIssue(source, i)),
      { issues },
    );
  };
  const checked = checkDeviceConfig(opts.device);
  if (!checked.ok) fail(checked.issues);
  const device = (checked as { config: DeviceConfig }).config;
  const kindIssues = checkKindAndBoard(device, opts.kind, board);
  const pins = resolvePins(device, board);
  const issues = [...kindIssues, ...(pins.ok ? [] : pins.issues), ...checkRoles(device, board)];
  if (issues.length || !pins.ok) fail(issues);
  return { device, pins: (pins as { pins: { role: string; pin: string }[] }).pins };
}

export async function buildFirmware(opts: BuildFirmwareOptions): Promise<BuildResult> {
  const root = repoRoot();
  const board = typeof opts.board === "string" ? findBoardOrFail(opts.board) : opts.board;
  const version = opts.version ?? defaultFirmwareVersion(root);
  checkVersion(version);
  const { device, pins } = validated(opts, board);
  const entry = resolve(root, opts.entry ?? join("firmware", "apps", `${opts.kind}.ts`));
  if (!existsSync(entry)) {
    throw new FirmwareBuildError("bundle", `no app for kind '${opts.kind}'`, [
      `${displayPath(root, entry)} does not exist`,
    ]);
  }
  const imageName = `${opts.kind}.js`;

  let bundle: Awaited<ReturnType<typeof bundleApp>>;
  try {
    bundle = await bundleApp({ entry, device, pins, board, version, root });
  } catch (err) {
    if (err instanceof BundleError)
      throw new FirmwareBuildError("bundle", "bundling failed", err.problems);
    throw err;
  }
  const sources = bundle.inputs.filter((f) => /\.(ts|js|mjs)$/.test(f) && !f.endsWith(".d.ts"));
  const moduleViolations = (
    await Promise.all(sources.map((f) => checkModuleSource(f, root)))
  ).flat();
  const es5 = await downlevelToEs5(bundle.code, "image.js");
  const bundleViolations = checkBundle(
    es5.code,
    es5.map,
    bundle.map,
    root,
    root,
    `${imageName} (bundle)`,
  );
  const violations = dedupe([...moduleViolations, ...bundleViolations]);
  if (violations.length) throw compatError(opts.kind, violations);

  const sourceMap = opts.measureModules ? composeMaps(es5.map, bundle.map, root) : undefined;
  const minifiedOut = await minifyEs5(
    es5.code,
    ["E", ...board.pins],
    sourceMap,
    propertiesToMangle(es5.code),
  );
  const minified = minifiedOut.code;
  const code = makeEspruinoSafe(minified);
  const finalViolations = checkEspruinoCompat(code, imageName);
  if (finalViolations.length) throw compatError(opts.kind, finalViolations);

  const bytes = Buffer.byteLength(code, "utf8");
  if (bytes > board.codeBudgetBytes) {
    throw new FirmwareBuildError("size", `the ${opts.kind} image is too big for ${board.name}`, [
      `${bytes} bytes exceeds the ${board.name} budget of ${board.codeBudgetBytes} bytes ` +
        `(its ${board.storageBytes}-byte Storage, where the code is kept, less ${STORAGE_RESERVE_BYTES} for its files)`,
    ]);
  }
  const memory = checkMemory(opts.kind, board, bytes);
  if (opts.checkMemory !== false && !memory.ok) {
    throw new FirmwareBuildError(
      "size",
      `the ${opts.kind} image does not fit ${board.name}'s memory`,
      [memory.text],
    );
  }
  return {
    code,
    bytes,
    sha256: createHash("sha256").update(code).digest("hex"),
    version,
    report: {
      kind: opts.kind,
      board: board.name,
      version,
      deviceId: device.deviceId,
      bytes,
      budgetBytes: board.codeBudgetBytes,
      budgetPercent: Math.round((bytes / board.codeBudgetBytes) * 1000) / 10,
      ...(memory.ok
        ? { memory: { bootJsVars: memory.boot, peakJsVars: memory.peak, jsVars: board.jsVars } }
        : {}),
      stages: {
        bundleBytes: bundle.code.length,
        es5Bytes: es5.code.length,
        minifiedBytes: minified.length,
        finalBytes: bytes,
      },
      modules: sources.map((f) => displayPath(root, f)),
      ...(minifiedOut.map
        ? { moduleBytes: sortedDesc(bytesPerSource(minified, minifiedOut.map)) }
        : {}),
      pins,
    },
  };
}

function sortedDesc(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).sort((x, y) => y[1] - x[1]));
}

function findBoardOrFail(name: string): Board {
  try {
    return getBoard(name);
  } catch (err) {
    throw new FirmwareBuildError("config", "unknown board", [(err as Error).message]);
  }
}

function dedupe(vs: CompatViolation[]): CompatViolation[] {
  const seen = new Set<string>();
  return vs.filter((v) => {
    const id = `${v.file}:${v.line}:${v.rule}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function compatError(kind: DeviceKind, violations: CompatViolation[]): FirmwareBuildError {
  return new FirmwareBuildError(
    "compat",
    `the ${kind} firmware uses what Espruino lacks`,
    violations.map(formatViolation),
    { violations },
  );
}

/** One line for the CLI and logs. */
export function describeBuild(r: BuildResult): string {
  const rep = r.report;
  const m = rep.memory;
  const vars = m
    ? `, about ${m.bootJsVars} of ${m.jsVars} JsVars after boot and ${m.peakJsVars} at the alarm peak`
    : "";
  return (
    `${rep.kind} for ${rep.board}: ${rep.bytes} bytes ` +
    `(${rep.budgetPercent}% of the ${rep.budgetBytes}-byte budget)${vars}, version ${rep.version}, sha256 ${r.sha256}`
  );
}
