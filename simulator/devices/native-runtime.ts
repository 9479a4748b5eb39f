/**
 * A FirmwareRuntime that runs a kind's firmware app in this process
 * (native-image.ts) on light virtual hardware: a handful of timers, pin
 * levels and watches per device, no vm context. It keeps the sandbox's rules
 * where they change what a device sends: timers ordered by due time then
 * creation, 0.1 ms minimum, intervals without drift; watches with debounce
 * reporting the time of the edge; an undriven pulled-up input reads high;
 * Math.random as the sandbox's seeded xorshift32 (seed + boot - 1); Storage
 * kept across reboots. native-runtime.test.ts checks that a device sends the
 * same bytes here as its built image in the sandbox.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../common/paths.js";
import { deviceConstants } from "../../firmware/build/bundle.js";
import type { DeviceConfig } from "../../firmware/device-config.js";
import type { Hal, PinHandler } from "../../firmware/hal/hal.js";
import type {
  FirmwareCallbacks,
  FirmwareRuntime,
  FirmwareRuntimeFactory,
} from "./firmware-runtime.js";
import { compileNativeApp, type NativeApp } from "./native-image.js";

const MIN_INTERVAL_MS = 0.1;

interface Task {
  dueMs: number;
  seq: number;
  /** Timers: repeat interval (0 = once). */
  intervalMs: number;
  run(): void;
}

interface PinWatch extends Task {
  pin: string;
  debounceMs: number;
  reported: 0 | 1;
  changedAtMs: number;
  fn: PinHandler;
  scheduled: boolean;
}

function seededRandom(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

const nodeSha256 = (data: Uint8Array) => new Uint8Array(createHash("sha256").update(data).digest());

export const nativeRuntime: FirmwareRuntimeFactory = (code, cb, opts) => {
  if (!opts.config) throw new Error("the native runtime needs the device's build configuration");
  return new NativeRuntime(compileNativeApp(code), cb, opts.config, opts.seed, opts.storage);
};

export class NativeRuntime implements FirmwareRuntime {
  private clockMs = 0;
  private bootMs = 0;
  private seq = 0;
  private bootCount = 0;
  private halted = false;
  private depth = 0;
  private timers: Task[] = [];
  private watches: PinWatch[] = [];
  private initHandlers: (() => void)[] = [];
  private receiver: ((bytes: Uint8Array) => void) | undefined;
  private readonly deferred: Uint8Array[] = [];
  private readonly hostLevel = new Map<string, 0 | 1>();
  private readonly analogLevel = new Map<string, number>();
  private readonly output = new Map<string, 0 | 1>();
  private readonly pullUp = new Set<string>();
  private readonly storage: Map<string, string>;
  private random: () => number = Math.random;
  private readonly uncaught: string[] = [];
  deepSleep = false;

  constructor(
    private readonly app: NativeApp,
    private readonly cb: FirmwareCallbacks,
    private readonly config: DeviceConfig,
    private readonly seed: number,
    storage?: Record<string, string>,
  ) {
    this.storage = new Map(Object.entries(storage ?? {}));
    this.boot();
  }

  nowMs(): number {
    return this.clockMs;
  }

  nextTimerMs(): number | undefined {
    const t = this.nextTask();
    return t?.dueMs;
  }

  advanceTo(ms: number): void {
    for (;;) {
      const t = this.nextTask();
      if (!t || t.dueMs > ms) break;
      if (t.dueMs > this.clockMs) this.clockMs = t.dueMs;
      if (t.intervalMs > 0) {
        t.dueMs += t.intervalMs;
        t.seq = this.seq++;
      } else if ("pin" in t) {
        (t as PinWatch).scheduled = false;
      } else {
        this.timers.splice(this.timers.indexOf(t), 1);
      }
      t.run();
    }
    if (ms > this.clockMs) this.clockMs = ms;
  }

  setAnalog(pin: string, fraction: number): void {
    this.analogLevel.set(pin, Math.min(Math.max(fraction, 0), 1));
  }

  setDigital(pin: string, high: boolean): void {
    const before = this.inputLevel(pin);
    this.hostLevel.set(pin, high ? 1 : 0);
    const after = this.inputLevel(pin);
    if (after === before || this.halted) return;
    const atMs = this.clockMs - this.bootMs;
    for (const w of [...this.watches]) {
      if (w.pin !== pin) continue;
      if (w.debounceMs > 0) {
        w.changedAtMs = atMs;
        w.dueMs = this.clockMs + w.debounceMs;
        w.seq = this.seq++;
        w.scheduled = true;
      } else {
        this.fireWatch(w, after, atMs);
      }
    }
  }

  start(): void {
    if (this.halted) return;
    for (const fn of this.initHandlers) this.invoke(fn);
  }

  serialIn(bytes: Uint8Array): void {
    if (this.halted || !this.receiver) return;
    if (this.depth > 0) {
      this.deferred.push(bytes);
      return;
    }
    const rx = this.receiver;
    this.invoke(() => rx(bytes));
    while (this.deferred.length > 0 && !this.halted) {
      const next = this.deferred.shift()!;
      this.invoke(() => this.receiver?.(next));
    }
  }

  reboot(): void {
    this.stopEverything();
    this.halted = false;
    this.boot();
    this.start();
  }

  halt(): void {
    this.stopEverything();
    this.halted = true;
  }

  errors(): string[] {
    return [...this.uncaught];
  }

  // ---- internals ----

  private nextTask(): Task | undefined {
    let best: Task | undefined;
    for (const t of this.timers) if (!best || less(t, best)) best = t;
    for (const w of this.watches) if (w.scheduled && (!best || less(w, best))) best = w;
    return best;
  }

  private inputLevel(pin: string): 0 | 1 {
    const h = this.hostLevel.get(pin);
    if (h !== undefined) return h;
    return this.pullUp.has(pin) ? 1 : 0;
  }

  private level(pin: string): 0 | 1 {
    const o = this.output.get(pin);
    return o !== undefined ? o : this.inputLevel(pin);
  }

  private fireWatch(w: PinWatch, level: 0 | 1, atMs: number): void {
    if (level === w.reported) return;
    w.reported = level;
    this.invoke(() => w.fn(level === 1, (atMs / 1000) * 1000));
  }

  private invoke(fn: () => void): void {
    if (this.halted) return;
    this.depth++;
    try {
      fn();
    } catch (err) {
      this.uncaught.push(err instanceof Error ? err.message : String(err));
      if (this.uncaught.length > 200) this.uncaught.shift();
    } finally {
      this.depth--;
    }
  }

  private addTimer(ms: number, repeat: boolean, fn: () => void): void {
    // As the sandbox: anything under the minimum (NaN too) becomes the minimum.
    let delay = Number(ms);
    if (!(delay >= MIN_INTERVAL_MS)) delay = MIN_INTERVAL_MS;
    this.timers.push({
      dueMs: this.clockMs + delay,
      seq: this.seq++,
      intervalMs: repeat ? delay : 0,
      run: () => this.invoke(fn),
    });
  }

  private stopEverything(): void {
    this.timers = [];
    this.watches = [];
    this.output.clear();
    this.pullUp.clear();
    this.initHandlers = [];
    this.receiver = undefined;
    this.deferred.length = 0;
    this.deepSleep = false;
  }

  private boot(): void {
    this.bootCount++;
    this.bootMs = this.clockMs;
    this.random = seededRandom(this.seed + this.bootCount - 1);
    const pinOf = (role: string): string => {
      const p = this.config.pins[role];
      if (p === undefined) throw new Error(`no pin ${role}`);
      return p;
    };
    const hal: Hal = {
      nowMs: () => ((this.clockMs - this.bootMs) / 1000) * 1000,
      has: (role) => this.config.pins[role] !== undefined,
      analog: (role) => this.analogLevel.get(pinOf(role)) ?? 0,
      read: (role) => this.level(pinOf(role)) === 1,
      write: (role, high) => {
        const pin = pinOf(role);
        this.output.set(pin, high ? 1 : 0);
        this.cb.onPinWrite(pin, high);
      },
      watch: (role, debounceMs, pullUp, fn) => {
        const pin = pinOf(role);
        if (pullUp) this.pullUp.add(pin);
        else this.pullUp.delete(pin);
        const w: PinWatch = {
          pin,
          debounceMs: Math.max(debounceMs, 0),
          reported: this.level(pin),
          changedAtMs: 0,
          fn,
          scheduled: false,
          dueMs: 0,
          seq: 0,
          intervalMs: 0,
          run: () => this.fireWatch(w, this.level(pin), w.changedAtMs),
        };
        this.watches.push(w);
      },
      every: (ms, fn) => this.addTimer(ms, true, fn),
      after: (ms, fn) => this.addTimer(ms, false, fn),
      send: (bytes) => this.cb.onSerialOut(bytes),
      onReceive: (fn) => {
        this.receiver = fn;
      },
      load: (name) => this.storage.get(name),
      save: (name, data) => {
        this.storage.set(name, data);
      },
      sha256: nodeSha256,
      random: () => this.random(),
      deepSleep: (on) => {
        this.deepSleep = on;
      },
    };
    const pins: Record<string, string> = { ...this.config.pins };
    this.depth++;
    try {
      this.app({
        // The app's settings object is live (config updates change it): one copy per boot.
        HAITANG_DEVICE: deviceConstants(structuredClone(this.config)),
        HAITANG_PINS: pins,
        // No update receiver in-process: firmware updates run in the sandbox, on the built image.
        HAITANG_BOARD: { name: "PICO", nativeSha256: true, ota: false, code: 2 },
        HAITANG_FIRMWARE_VERSION: firmwareVersion(),
        E: {
          on: (event, fn) => {
            if (event === "init") this.initHandlers.push(fn);
          },
          enableWatchdog: () => {},
        },
        host: { createHal: () => hal },
      });
    } catch (err) {
      this.uncaught.push(err instanceof Error ? err.message : String(err));
    } finally {
      this.depth--;
    }
  }
}

function less(a: Task, b: Task): boolean {
  return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
}

let version: string | undefined;
/** The build's default firmware version (package.json's, as firmware/build uses). */
function firmwareVersion(): string {
  if (version === undefined) {
    const pkg = JSON.parse(readFileSync(join(repoRoot(), "package.json"), "utf8")) as {
      version?: string;
    };
    version = pkg.version ?? "0.0.0";
  }
  return version;
}
