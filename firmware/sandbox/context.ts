/**
 * The vm context a sandboxed image runs in: V8's builtins minus what
 * Espruino 2v29 lacks (so a use that slipped past the build's check fails at
 * run time as on a board), a deterministic Math.random and Date, and the
 * call through which the host runs an event in the image so that promise
 * callbacks run right after it.
 *
 * The context has its own microtask queue (microtaskMode "afterEvaluate"),
 * which V8 drains only when a script is evaluated in the context. Entering
 * the context that way costs microseconds, and a device enters it on every
 * timer, watch and serial chunk. So the host calls the image's functions
 * directly, and evaluates a tiny script to drain the queue only after an
 * event that may have queued a promise job: the context's Promise marks
 * `slot.pending` whenever a `then` is attached or a promise is resolved or
 * rejected (every way a job gets queued from ES5 code). As with evaluating a
 * script, an event that throws leaves its jobs queued until the next event.
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

/** Shared with the context: set there when a promise job may be queued. */
export interface MicrotaskSlot {
  pending: boolean;
}

export interface SandboxContext {
  context: vm.Context;
  /** The context's own constructors, for values handed to the image. */
  Error: ErrorConstructor;
  ArrayBuffer: ArrayBufferConstructor;
  JSON: JSON;
  /** Calls fn(arg) in the context, then runs the promise jobs it queued. */
  call(fn: unknown, arg: unknown): void;
  /** Those of `names` that are globals in the context now. */
  present(names: readonly string[]): string[];
  /**
   * Calls an image's function (image-program.ts) with the globals `names` as
   * its arguments and the global object as `this`, then runs its promise jobs.
   */
  start(fn: unknown, names: readonly string[]): void;
}

/**
 * Runs before the image: Error that refuses to be extended (Espruino throws
 * on `class X extends Error`, native or downlevelled), Date and Math.random
 * from the host, a Promise that marks queued jobs, then the removals.
 * Returns the context-side caller (a non-function fails there, with the
 * context's TypeError) and the two helpers that start an image as a function
 * of its globals.
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
  var RealPromise = g.Promise;
  var realThen = RealPromise.prototype.then;
  Object.defineProperty(RealPromise.prototype, "then", {
    value: function then(onFulfilled, onRejected) {
      slot.pending = true;
      return realThen.call(this, onFulfilled, onRejected);
    },
    writable: true,
    configurable: true,
    enumerable: false,
  });
  class Promise extends RealPromise {
    constructor(executor) {
      if (typeof executor !== "function") super(executor);
      else
        super(function (resolve, reject) {
          executor(
            function (value) {
              slot.pending = true;
              resolve(value);
            },
            function (reason) {
              slot.pending = true;
              reject(reason);
            },
          );
        });
    }
  }
  Object.defineProperty(g, "Promise", { value: Promise, writable: true, configurable: true, enumerable: false });
  for (var i = 0; i < removed.length; i++) delete g[removed[i]];
  for (var j = 0; j < statics.length; j++) delete g[statics[j][0]][statics[j][1]];
  return {
    call: function call(f, a) {
      f(a);
    },
    present: function present(names) {
      var out = [];
      for (var k = 0; k < names.length; k++) if (names[k] in g) out.push(names[k]);
      return out;
    },
    start: function start(f, names) {
      var values = [];
      for (var k = 0; k < names.length; k++) values.push(g[names[k]]);
      f.apply(g, values);
    },
  };
})`;

let setupScript: vm.Script | undefined;
/** Evaluating any script drains the context's microtask queue; this one does nothing else. */
let drainScript: vm.Script | undefined;

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
  drainScript ??= new vm.Script("undefined", { filename: "espruino-microtasks.js" });
  const slot: MicrotaskSlot = { pending: false };
  const setup = setupScript.runInContext(context) as (...args: unknown[]) => {
    call(f: unknown, a: unknown): void;
    present(names: readonly string[]): string[];
    start(f: unknown, names: readonly string[]): void;
  };
  const inContext = setup(
    vm.runInContext("globalThis", context),
    slot,
    nowMs,
    random,
    [...REMOVED_GLOBALS],
    REMOVED_STATICS,
  );
  const drain = drainScript;
  const call = inContext.call;
  const afterEvent = (): void => {
    if (slot.pending) {
      slot.pending = false;
      drain.runInContext(context);
    }
  };
  return {
    context,
    Error: intrinsics.Error,
    ArrayBuffer: intrinsics.ArrayBuffer,
    JSON: intrinsics.JSON,
    call: (fn, arg) => {
      // A function is called straight from here (no hop through the context: ~0.1 µs an
      // event); anything else fails inside the context, with the context's TypeError.
      if (typeof fn === "function") fn(arg);
      else call(fn, arg);
      afterEvent();
    },
    present: (names) => [...inContext.present(names)],
    start: (fn, names) => {
      inContext.start(fn, names);
      afterEvent();
    },
  };
}
