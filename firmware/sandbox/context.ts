/**
 * The vm context a sandboxed image runs in: V8's builtins minus what
 * Espruino 2v29 lacks (so a use that slipped past the build's check fails at
 * run time as on a board), a deterministic Math.random and Date, and a
 * dispatcher through which the host calls into the image so that promise
 * callbacks run right after each event (microtaskMode "afterEvaluate").
 */
import vm from "node:vm";

/** Globals Espruino does not have. */
export const REMOVED_GLOBALS = [
  "Map",
  "Set",
  "WeakMap",
  "WeakSet",
  "Symbol",
  "Proxy",
  "Reflect",
  "BigInt",
  "BigInt64Array",
  "BigUint64Array",
  "WeakRef",
  "FinalizationRegistry",
  "SharedArrayBuffer",
  "Atomics",
  "WebAssembly",
  "Intl",
] as const;

/** Static methods Espruino does not have. */
export const REMOVED_STATICS: readonly [string, string][] = [
  ["Array", "from"],
  ["Object", "freeze"],
];

export interface DispatchSlot {
  fn: unknown;
  arg: unknown;
}

export interface SandboxContext {
  context: vm.Context;
  /** The context's own constructors, for values handed to the image. */
  Error: ErrorConstructor;
  ArrayBuffer: ArrayBufferConstructor;
  JSON: JSON;
  /** Calls slot.fn(slot.arg) inside the context and drains its microtasks. */
  dispatch(): void;
  slot: DispatchSlot;
}

const DISPATCH_NAME = "__haitangDispatch";

/**
 * Runs before the image: Error that refuses to be extended (Espruino throws
 * on `class X extends Error`, native or downlevelled), Date and Math.random
 * from the host, then the removals.
 */
const SETUP = `(function (g, slot, nowMs, random, removed, statics) {
  var RealError = g.Error;
  function Error(message) {
    if (new.target !== undefined && new.target !== Error) {
      throw new TypeError("Espruino: a class cannot extend Error");
    }
    if (new.target === undefined && this instanceof RealError) {
      throw new TypeError("Espruino: a class cannot extend Error");
    }
    return arguments.length ? new RealError(message) : new RealError();
  }
  Error.prototype = RealError.prototype;
  Object.defineProperty(g, "Error", { value: Error, writable: true, configurable: true, enumerable: false });
  var RealDate = g.Date;
  class EspruinoDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(nowMs());
      else super(...args);
    }
    static now() {
      return nowMs();
    }
  }
  Object.defineProperty(g, "Date", { value: EspruinoDate, writable: true, configurable: true, enumerable: false });
  g.Math.random = random;
  Object.defineProperty(g, "${DISPATCH_NAME}", {
    value: function () {
      var f = slot.fn, a = slot.arg;
      slot.fn = undefined;
      slot.arg = undefined;
      f(a);
    },
    enumerable: false,
  });
  for (var i = 0; i < removed.length; i++) delete g[removed[i]];
  for (var j = 0; j < statics.length; j++) delete g[statics[j][0]][statics[j][1]];
})`;

let setupScript: vm.Script | undefined;
let dispatchScript: vm.Script | undefined;

export function createSandboxContext(nowMs: () => number, random: () => number): SandboxContext {
  const context = vm.createContext(
    {},
    {
      name: "espruino",
      codeGeneration: { strings: true, wasm: false },
      microtaskMode: "afterEvaluate",
    },
  );
  const intrinsics = vm.runInContext(
    "({ Error: Error, ArrayBuffer: ArrayBuffer, JSON: JSON })",
    context,
  ) as {
    Error: ErrorConstructor;
    ArrayBuffer: ArrayBufferConstructor;
    JSON: JSON;
  };
  setupScript ??= new vm.Script(SETUP, { filename: "espruino-setup.js" });
  dispatchScript ??= new vm.Script(`${DISPATCH_NAME}()`, { filename: "espruino-dispatch.js" });
  const slot: DispatchSlot = { fn: undefined, arg: undefined };
  const setup = setupScript.runInContext(context) as (...args: unknown[]) => void;
  setup(
    vm.runInContext("globalThis", context),
    slot,
    nowMs,
    random,
    [...REMOVED_GLOBALS],
    REMOVED_STATICS,
  );
  const script = dispatchScript;
  return {
    context,
    Error: intrinsics.Error,
    ArrayBuffer: intrinsics.ArrayBuffer,
    JSON: intrinsics.JSON,
    slot,
    dispatch: () => {
      script.runInContext(context);
    },
  };
}
