/**
 * A firmware host that runs saved programs in a bare JavaScript context (no
 * Espruino globals, no clock): for tests of the REPL and the toolchain
 * dialogue, where what matters is what was saved and booted.
 */
import { createContext, runInContext } from "node:vm";
import type { FirmwareHost } from "./firmware-host.js";

export function plainHost(booted: string[] = []): FirmwareHost & { booted: string[] } {
  return {
    booted,
    boot(code, consolePrint) {
      booted.push(code);
      const ctx = createContext({ console: { log: (s: unknown) => consolePrint(String(s)) } });
      runInContext(code, ctx);
      return {
        evaluate(source, print) {
          (ctx as Record<string, unknown>).print = (...a: unknown[]) =>
            print(a.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(" "));
          return runInContext(source, ctx);
        },
        stop() {},
      };
    },
  };
}
