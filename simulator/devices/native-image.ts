/**
 * The firmware app of a device kind (firmware/apps/<kind>.ts) bundled to run
 * in this process rather than in a vm sandbox: the same app file, device
 * logic and protocol code as the flashed image, with only the Espruino HAL
 * (firmware/hal/espruino-hal.ts) swapped for the host's virtual hardware.
 * Not downlevelled to ES5 nor minified: it runs on V8, and the sandbox mode
 * is there for the flashed bytes. One bundle per kind, shared by every device
 * of that kind; each device calls it with its own build-time constants.
 */
import { join } from "node:path";
import { repoRoot } from "../../common/paths.js";
import type { DeviceConfig, DeviceKind } from "../../firmware/device-config.js";
import type { Hal } from "../../firmware/hal/hal.js";

/** What a native app reads from its surroundings (the wrapper's parameters). */
export interface NativeAppEnv {
  HAITANG_DEVICE: DeviceConfig;
  HAITANG_PINS: Record<string, string>;
  HAITANG_BOARD: { name: string; nativeSha256: boolean; ota: boolean; code: number };
  HAITANG_FIRMWARE_VERSION: string;
  /** The part of Espruino's E the apps use. */
  E: { on(event: string, fn: () => void): void; enableWatchdog(s: number, auto: boolean): void };
  host: { createHal(baud: number): Hal };
}

export type NativeApp = (env: NativeAppEnv) => void;

const PARAMS = [
  "HAITANG_DEVICE",
  "HAITANG_PINS",
  "HAITANG_BOARD",
  "HAITANG_FIRMWARE_VERSION",
  "E",
  "__haitangHost",
] as const;

const HAL_STUB =
  "export function createEspruinoHal(baud) { return __haitangHost.createHal(baud); }";

const bundles = new Map<DeviceKind, Promise<string>>();
const compiled = new Map<string, NativeApp>();

/** The bundled app source of a kind (cached for the process). */
export function nativeAppSource(kind: DeviceKind): Promise<string> {
  let p = bundles.get(kind);
  if (!p) {
    p = bundle(kind);
    bundles.set(kind, p);
    p.catch(() => bundles.delete(kind));
  }
  return p;
}

async function bundle(kind: DeviceKind): Promise<string> {
  const esbuild = await import("esbuild");
  const root = repoRoot();
  const result = await esbuild.build({
    entryPoints: [join(root, "firmware", "apps", `${kind}.ts`)],
    absWorkingDir: root,
    bundle: true,
    write: false,
    format: "cjs",
    platform: "neutral",
    target: "es2022",
    logLevel: "silent",
    // The update receiver's require("Storage") is never reached: HAITANG_BOARD.ota is false here.
    external: ["Storage"],
    plugins: [
      {
        name: "haitang-native-hal",
        setup(b) {
          b.onResolve({ filter: /espruino-hal(\.js)?$/ }, () => ({
            path: "espruino-hal",
            namespace: "haitang-native",
          }));
          b.onLoad({ filter: /.*/, namespace: "haitang-native" }, () => ({
            contents: HAL_STUB,
            loader: "js",
          }));
        },
      },
    ],
  });
  const out = result.outputFiles?.[0]?.text;
  if (!out) throw new Error(`native bundle of firmware/apps/${kind}.ts is empty`);
  return `// native:${kind}\n${out}`;
}

/** Compiles bundled app source once; the function runs the app for one device. */
export function compileNativeApp(source: string): NativeApp {
  let app = compiled.get(source);
  if (!app) {
    const fn = new Function(...PARAMS, source) as (...args: unknown[]) => void;
    app = (env) =>
      fn(
        env.HAITANG_DEVICE,
        env.HAITANG_PINS,
        env.HAITANG_BOARD,
        env.HAITANG_FIRMWARE_VERSION,
        env.E,
        env.host,
      );
    compiled.set(source, app);
  }
  return app;
}
