/**
 * Stage 1: esbuild bundles an app's TypeScript (and the protocol/ modules it
 * imports) into one script, no minification, ES syntax left for TypeScript to
 * downlevel. The build-time constants are declared in a wrapper function around
 * the bundle, so nothing lands in Espruino's global scope; HAITANG_PINS is
 * an object literal naming the board's Pin globals (`{smoke: A0}`).
 */
import { relative } from "node:path";
import { OTA_BOARD_CODES } from "../../protocol/ota.js";
import { DEFAULT_LISTEN_EVERY_S, type DeviceConfig } from "../device-config.js";
import type { Board } from "./boards.js";

export interface BundleInput {
  entry: string;
  device: DeviceConfig;
  pins: { role: string; pin: string }[];
  board: Board;
  version: string;
  root: string;
}

export interface BundleOutput {
  code: string;
  /** esbuild's source map (v3 JSON) of `code`. */
  map: string;
  /** Bundled source files, absolute paths. */
  inputs: string[];
  /** Bytes each input contributes to the (unminified) bundle, by absolute path. */
  inputBytes: Record<string, number>;
}

export class BundleError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`bundling failed:\n  ${problems.join("\n  ")}`);
    this.name = "BundleError";
    this.problems = problems;
  }
}

/** Espruino's built-in modules, loaded with require() on the board. */
const ESPRUINO_MODULES = ["Storage", "crypto", "Flash", "heatshrink"];

const IDENT = /^[A-Za-z_$][\w$]*$/;

/**
 * HAITANG_DEVICE as an image sees it: optional fields written out with their
 * default, so an app reads only fields that exist (terser then splits
 * HAITANG_DEVICE into the few values an image uses). The simulator's native
 * runtime gives its apps the same.
 */
export function deviceConstants(config: DeviceConfig): DeviceConfig {
  const { $schema: _drop, ...device } = config as DeviceConfig & { $schema?: string };
  if (device.listenEveryS === undefined) device.listenEveryS = DEFAULT_LISTEN_EVERY_S;
  // Wake-on-radio: the module listens for the board (its wake pin), so no scheduled windows.
  if (device.wakeOnRadio) device.listenEveryS = 0;
  // A detector without a building group key reads `group` as null (unicast soundings only).
  if (device.kind === "smoke" && device.group === undefined)
    (device as { group?: unknown }).group = null;
  return device;
}

export function constantsPrelude(input: Omit<BundleInput, "entry" | "root">): string {
  const device = deviceConstants(input.device);
  const pins = input.pins
    .map((p) => `${IDENT.test(p.role) ? p.role : JSON.stringify(p.role)}: ${p.pin}`)
    .join(", ");
  const board = {
    name: input.board.name,
    nativeSha256: input.board.nativeSha256,
    ota: input.board.ota,
    code: OTA_BOARD_CODES[input.board.name],
  };
  return [
    "(function () {",
    `var HAITANG_DEVICE = ${JSON.stringify(device)};`,
    `var HAITANG_PINS = {${pins}};`,
    `var HAITANG_BOARD = ${JSON.stringify(board)};`,
    `var HAITANG_FIRMWARE_VERSION = ${JSON.stringify(input.version)};`,
  ].join("\n");
}

export async function bundleApp(input: BundleInput): Promise<BundleOutput> {
  const esbuild = await import("esbuild");
  const define: Record<string, string> = {
    // Folded at build time so the unused branch (e.g. the plain-JS SHA-256) drops out.
    "HAITANG_BOARD.name": JSON.stringify(input.board.name),
    "HAITANG_BOARD.nativeSha256": JSON.stringify(input.board.nativeSha256),
    "HAITANG_BOARD.ota": JSON.stringify(input.board.ota),
    "HAITANG_BOARD.code": JSON.stringify(OTA_BOARD_CODES[input.board.name]),
    HAITANG_FIRMWARE_VERSION: JSON.stringify(input.version),
  };
  let result: Awaited<ReturnType<typeof esbuild.build>>;
  try {
    result = await esbuild.build({
      entryPoints: [input.entry],
      absWorkingDir: input.root,
      bundle: true,
      write: false,
      outfile: "image.js",
      // CommonJS keeps `require("Storage")` as written (an IIFE bundle would route it through a
      // Proxy-based shim); the entry exports nothing, so no CommonJS glue is emitted.
      format: "cjs",
      external: ESPRUINO_MODULES,
      platform: "neutral",
      target: "esnext",
      mainFields: ["module", "main"],
      minify: false,
      treeShaking: true,
      sourcemap: "external",
      sourcesContent: false,
      metafile: true,
      charset: "ascii",
      legalComments: "none",
      logLevel: "silent",
      define,
      banner: { js: constantsPrelude(input) },
      footer: { js: "})();" },
      tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
    });
  } catch (err) {
    const failure = err as {
      errors?: { text: string; location?: { file: string; line: number; column: number } | null }[];
    };
    const problems = (failure.errors ?? [{ text: String(err) }]).map((e) =>
      e.location
        ? `${e.location.file}:${e.location.line}:${e.location.column + 1}: ${e.text}`
        : e.text,
    );
    throw new BundleError(problems);
  }
  let code = "";
  let map = "";
  for (const f of result.outputFiles ?? []) {
    if (f.path.endsWith(".map")) map = f.text;
    else code = f.text;
  }
  const exported = Object.values(result.metafile?.outputs ?? {}).flatMap((o) => o.exports);
  if (exported.length) {
    throw new BundleError([
      `${displayPath(input.root, input.entry)}: an app entry must not export anything (it exports ${exported.join(", ")})`,
    ]);
  }
  const abs = (p: string) => (p.startsWith("/") ? p : `${input.root}/${p}`);
  const inputs = Object.keys(result.metafile?.inputs ?? {}).map(abs);
  const inputBytes: Record<string, number> = {};
  for (const out of Object.values(result.metafile?.outputs ?? {})) {
    for (const [p, v] of Object.entries(out.inputs)) inputBytes[abs(p)] = v.bytesInOutput;
  }
  return { code, map, inputs, inputBytes };
}

/** Repository-relative name for messages. */
export function displayPath(root: string, file: string): string {
  const rel = relative(root, file);
  return rel.startsWith("..") ? file : rel;
}
