/**
 * The firmware sandbox: runs a BUILT image (the file that would be flashed) in
 * a node:vm context that offers exactly the globals of
 * firmware/hal/espruino.d.ts, on a virtual clock. Tests and the simulator drive
 * its pins and Serial1 and read what it sends. One context per device; the
 * compiled script is shared between devices running the same image.
 * README.md beside this file documents the host API.
 */
import vm from "node:vm";
import { type Board, getBoard } from "../build/boards.js";
import { createSandboxContext, type SandboxContext } from "./context.js";
import { type DeviceHost, espruinoGlobals } from "./globals.js";
import { type ImageProgram, imageProgram, runImage } from "./image-program.js";
import { PinBank, type PinState, type Watch } from "./pins.js";
import { binaryString, SerialModel } from "./serial.js";
import { createStorageApi, type EspruinoStorageApi, type StorageFiles } from "./storage.js";
import { TimerTable } from "./timers.js";
import { type ClockTask, VirtualClock } from "./virtual-clock.js";

export interface LoadOptions {
  board: string | Board;
  /** Share one clock between devices; default: a clock of its own. */
  clock?: VirtualClock;
  /** Seed of the image's Math.random (default 1). */
  seed?: number;
  /** Storage files; pass the same map to keep them across re-flashes. */
  storage?: StorageFiles;
  /** Image file name in stack traces. */
  fileName?: string;
  /**
   * Boot as a board does with saved code: run Storage's ".bootcde" when it
   * exists (code kept in flash; a firmware update's loader), else `code`.
   */
  bootFromStorage?: boolean;
}

/** Storage file a board runs at power-on. */
export const BOOT_CODE_FILE = ".bootcde";

export interface ConsoleLine {
  /** Clock ms. */
  atMs: number;
  text: string;
}

export interface SandboxError {
  atMs: number;
  message: string;
  stack?: string;
}

/** Entries kept in `log` and `errors`; older ones are dropped and counted. */
export const MAX_KEPT = 2000;

/** xorshift32: the image's Math.random, deterministic per seed. */
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

class WatchdogTask implements ClockTask {
  dueMs = 0;
  seq = 0;
  heapIndex = -1;
  constructor(private readonly onExpire: () => void) {}
  run(): void {
    this.onExpire();
  }
}

class SerialDelivery implements ClockTask {
  dueMs = 0;
  seq = 0;
  heapIndex = -1;
  readonly queue: Uint8Array[] = [];
  constructor(private readonly deliver: () => void) {}
  run(): void {
    this.deliver();
  }
}

export function loadFirmware(code: string, opts: LoadOptions): FirmwareSandbox {
  return new FirmwareSandbox(code, opts);
}

export class FirmwareSandbox implements DeviceHost {
  readonly board: Board;
  readonly clock: VirtualClock;
  readonly pins: PinBank;
  readonly timers: TimerTable;
  readonly serial = new SerialModel();
  readonly storageFiles: StorageFiles;
  readonly log: ConsoleLine[] = [];
  readonly errors: SandboxError[] = [];
  readonly initHandlers: unknown[] = [];
  logDropped = 0;
  errorsDropped = 0;
  bootCount = 0;
  /** Why the last reboot happened ("reboot", "watchdog"). */
  lastResetCause = "power-on";
  deepSleep = false;
  /** Where E.setConsole put the REPL; undefined until the image calls it. */
  consoleDevice: string | null | undefined = undefined;
  watchdog: { timeoutS: number; isAuto: boolean } | undefined = undefined;
  private chipTempC = 25;
  /** The image (its syntax checked when the sandbox is made). */
  private readonly program: ImageProgram;
  private bound: readonly string[] = [];
  private readonly seed: number;
  private ctx!: SandboxContext;
  storage!: EspruinoStorageApi;
  private bootMs = 0;
  private depth = 0;
  private isHalted = false;
  private watchIds = 1;
  private readonly watches = new Map<number, Watch>();
  private readonly pinListeners: ((pin: string, high: boolean) => void)[] = [];
  private readonly consoleListeners: ((line: string) => void)[] = [];
  private readonly watchdogTask = new WatchdogTask(() => this.reboot("watchdog"));
  /** E.reboot(): runs after the handler that called it returns, as the board resets. */
  private readonly rebootTask = new WatchdogTask(() => this.reboot("software"));
  private readonly bootFromStorage: boolean;
  private readonly delivery = new SerialDelivery(() => this.deliverSerial());

  constructor(code: string, opts: LoadOptions) {
    this.board = typeof opts.board === "string" ? getBoard(opts.board) : opts.board;
    this.clock = opts.clock ?? new VirtualClock();
    this.storageFiles = opts.storage ?? new Map();
    this.seed = opts.seed ?? 1;
    this.bootFromStorage = opts.bootFromStorage === true;
    this.pins = new PinBank(this.board.pins, this.board.analogPins, (name) => {
      const pin = {};
      Object.defineProperty(pin, "toString", { value: () => name, enumerable: false });
      return pin;
    });
    this.timers = new TimerTable(
      this.clock,
      (fn, arg) => this.invoke(fn, arg),
      (m) => this.makeError(m),
    );
    // A syntax error fails here, before any state.
    this.program = imageProgram(code, opts.fileName ?? "image.js");
    this.boot();
  }

  // ---- lifecycle ----

  /** Emits E's "init" (what a board does at power-on with saved code). */
  start(): void {
    if (this.isHalted) return;
    for (const fn of this.initHandlers) this.invoke(fn);
  }

  /** Power cycle: the same image restarts (and starts) with its Storage kept. */
  reboot(cause = "reboot"): void {
    this.stopEverything();
    this.isHalted = false;
    this.lastResetCause = cause;
    this.boot();
    this.start();
  }

  /** Power removed: nothing runs until reboot(). */
  halt(): void {
    this.stopEverything();
    this.isHalted = true;
  }

  get halted(): boolean {
    return this.isHalted;
  }

  // ---- time ----

  advance(ms: number): void {
    this.clock.advance(ms);
  }

  /** Clock milliseconds (shared by every device on the clock). */
  now(): number {
    return this.clock.nowMs;
  }

  /** Milliseconds since this device last booted (what getTime() reports, ×1000). */
  uptimeMs(): number {
    return this.clock.nowMs - this.bootMs;
  }

  /** Clock time of this device's next timer, debounce or watchdog, if any. */
  nextDueMs(): number | undefined {
    let best = this.timers.nextDueMs();
    const consider = (t: ClockTask): void => {
      if (t.heapIndex >= 0 && (best === undefined || t.dueMs < best)) best = t.dueMs;
    };
    for (const w of this.watches.values()) consider(w);
    consider(this.watchdogTask);
    consider(this.delivery);
    return best;
  }

  // ---- pins ----

  setAnalog(pin: string, value: number): void {
    this.pins.byHostName(pin).analogLevel = Math.min(Math.max(value, 0), 1);
  }

  /** Drives an input; watches on the pin see the edge. */
  setDigital(pin: string, value: boolean | number): void {
    const s = this.pins.byHostName(pin);
    const before = this.levelForWatches(s);
    s.hostLevel = value ? 1 : 0;
    const after = this.levelForWatches(s);
    if (after === before || this.isHalted) return;
    const atMs = this.uptimeMs();
    for (const w of [...s.watches]) {
      if (w.debounceMs > 0) {
        w.changedAtMs = atMs;
        this.clock.schedule(w, this.clock.nowMs + w.debounceMs);
      } else {
        this.fireWatch(w, after, atMs);
      }
    }
  }

  /** Last value the image wrote to the pin (0/1), undefined if never. */
  pinOutput(pin: string): 0 | 1 | undefined {
    return this.pins.byHostName(pin).output;
  }

  pinMode(pin: string): string {
    return this.pins.byHostName(pin).mode;
  }

  onPinWrite(cb: (pin: string, high: boolean) => void): () => void {
    return listen(this.pinListeners, cb);
  }

  // ---- serial ----

  onSerialWrite(cb: (bytes: Uint8Array) => void): () => void {
    return this.serial.listen(cb);
  }

  /** Bytes the image wrote since the last call (only kept while no onSerialWrite listener is set). */
  takeSerialOutput(): Uint8Array {
    return this.serial.take();
  }

  /** Bytes into Serial1 ('data' handlers get them as a binary string; deferred to the clock if the image is running). */
  serialInput(bytes: Uint8Array | string): void {
    if (this.isHalted) return;
    const chunk =
      typeof bytes === "string" ? Uint8Array.from(bytes, (c) => c.charCodeAt(0) & 0xff) : bytes;
    this.delivery.queue.push(chunk);
    if (this.depth > 0) {
      if (this.delivery.heapIndex < 0) this.clock.schedule(this.delivery, this.clock.nowMs);
    } else {
      this.deliverSerial();
    }
  }

  // ---- misc host controls ----

  /**
   * Runs console input (a statement or an expression) in the image's global
   * scope and returns its value, as Espruino's REPL does; `extra` globals
   * (e.g. `print`) exist only during the call. The virtual board
   * (simulator/virtual-board) answers the Espruino toolchain with it.
   */
  evaluate(source: string, extra: Record<string, unknown> = {}): unknown {
    const g = this.ctx.context as Record<string, unknown>;
    const saved = new Map<string, { had: boolean; value: unknown }>();
    for (const [k, v] of Object.entries(extra)) {
      saved.set(k, { had: Object.hasOwn(g, k), value: g[k] });
      g[k] = v;
    }
    this.depth++;
    try {
      return vm.runInContext(source, this.ctx.context, { timeout: 1000 });
    } finally {
      this.depth--;
      for (const [k, s] of saved) {
        if (s.had) g[k] = s.value;
        else delete g[k];
      }
    }
  }

  /** Globals the running image got as parameters at boot (image-program.ts). */
  boundGlobals(): string[] {
    return [...this.bound];
  }

  onConsole(cb: (line: string) => void): () => void {
    return listen(this.consoleListeners, cb);
  }

  setChipTemperature(celsius: number): void {
    this.chipTempC = celsius;
  }

  readStorage(name: string): string | undefined {
    return this.storageFiles.get(name);
  }

  // ---- DeviceHost (called by the globals) ----

  get ArrayBuffer(): ArrayBufferConstructor {
    return this.ctx.ArrayBuffer;
  }

  makeError(message: string): Error {
    return new this.ctx.Error(message);
  }

  /** Calls into the image; an exception is recorded like Espruino's "Uncaught ..." and the device runs on. */
  invoke(fn: unknown, arg?: unknown): void {
    if (this.isHalted) return;
    this.depth++;
    try {
      this.ctx.call(fn, arg);
    } catch (err) {
      this.uncaught(err);
    } finally {
      this.depth--;
    }
  }

  pinWritten(s: PinState): void {
    for (const l of this.pinListeners) l(s.name, s.output === 1);
  }

  console(text: string): void {
    push(this.log, { atMs: this.clock.nowMs, text }, () => this.logDropped++);
    for (const l of this.consoleListeners) l(text);
  }

  nextWatchId(): number {
    return this.watchIds++;
  }

  addWatch(w: Watch): void {
    this.watches.set(w.id, w);
    w.state.watches.push(w);
  }

  removeWatch(id: unknown, hasArg: boolean): void {
    if (!hasArg || id === undefined) {
      for (const w of this.watches.values()) this.dropWatch(w);
      return;
    }
    const w = typeof id === "number" ? this.watches.get(id) : undefined;
    if (!w) throw this.makeError("Unknown Watch");
    this.dropWatch(w);
  }

  fireWatch(w: Watch, level: 0 | 1, atMs: number): void {
    if (level === w.reported) return;
    w.reported = level;
    if (!w.matches(level)) return;
    const timeS = atMs / 1000;
    const event = { state: level === 1, time: timeS, lastTime: w.lastTimeS };
    w.lastTimeS = timeS;
    if (!w.repeat) this.dropWatch(w);
    this.invoke(w.fn, event);
  }

  setDeepSleep(on: boolean): void {
    this.deepSleep = on;
  }

  setConsoleDevice(device: string | null): void {
    this.consoleDevice = device;
  }

  enableWatchdog(timeoutS: number, isAuto: boolean): void {
    this.watchdog = { timeoutS, isAuto };
    // An automatic watchdog is kicked by the idle loop, which a sandbox always reaches.
    if (!isAuto) this.clock.schedule(this.watchdogTask, this.clock.nowMs + timeoutS * 1000);
  }

  /** E.reboot() from the image: a software reset once the running handler returns. */
  requestReboot(): void {
    this.clock.schedule(this.rebootTask, this.clock.nowMs);
  }

  kickWatchdog(): void {
    if (this.watchdog && !this.watchdog.isAuto) {
      this.clock.schedule(this.watchdogTask, this.clock.nowMs + this.watchdog.timeoutS * 1000);
    }
  }

  chipTemperatureC(): number {
    return this.chipTempC;
  }

  // ---- internals ----

  private boot(): void {
    this.bootCount++;
    this.bootMs = this.clock.nowMs;
    this.ctx = createSandboxContext(
      () => this.uptimeMs(),
      seededRandom(this.seed + this.bootCount - 1),
    );
    this.storage = createStorageApi(
      this.storageFiles,
      this.ctx.JSON,
      (m) => this.makeError(m),
      this.board.storageBytes,
    );
    Object.assign(this.ctx.context, espruinoGlobals(this));
    this.depth++;
    const saved = this.bootFromStorage ? this.storageFiles.get(BOOT_CODE_FILE) : undefined;
    try {
      const program = saved === undefined ? this.program : imageProgram(saved, BOOT_CODE_FILE);
      this.bound = [];
      this.bound = runImage(program, this.ctx);
    } catch (err) {
      this.uncaught(err);
    } finally {
      this.depth--;
    }
  }

  private stopEverything(): void {
    this.timers.clearAll();
    for (const w of this.watches.values()) this.clock.cancel(w);
    this.watches.clear();
    this.pins.reset(this.clock);
    this.clock.cancel(this.watchdogTask);
    this.clock.cancel(this.rebootTask);
    this.clock.cancel(this.delivery);
    this.delivery.queue.length = 0;
    this.serial.reset();
    this.initHandlers.length = 0;
    this.watchdog = undefined;
    this.deepSleep = false;
    this.consoleDevice = undefined;
  }

  private dropWatch(w: Watch): void {
    this.clock.cancel(w);
    this.watches.delete(w.id);
    const list = w.state.watches;
    const i = list.indexOf(w);
    if (i >= 0) list.splice(i, 1);
  }

  /** Level as watches see it (an output's own level does not trigger its watches). */
  private levelForWatches(s: PinState): 0 | 1 {
    if (s.hostLevel !== undefined) return s.hostLevel;
    return s.mode === "input_pullup" ? 1 : 0;
  }

  private deliverSerial(): void {
    const q = this.delivery.queue;
    while (q.length > 0) {
      const chunk = q.shift() as Uint8Array;
      this.serial.bytesReceived += chunk.length;
      const text = binaryString(chunk);
      for (const fn of this.serial.dataHandlers) this.invoke(fn, text);
    }
  }

  private uncaught(err: unknown): void {
    const message =
      err instanceof Object && "message" in err
        ? `${(err as Error).name}: ${(err as Error).message}`
        : String(err);
    const stack =
      // The image's errors come from its own realm: not `instanceof` the host's Object.
      typeof err === "object" && err !== null && "stack" in err
        ? String((err as Error).stack)
        : undefined;
    push(
      this.errors,
      stack === undefined
        ? { atMs: this.clock.nowMs, message }
        : { atMs: this.clock.nowMs, message, stack },
      () => this.errorsDropped++,
    );
    this.console(`Uncaught ${message}`);
  }
}

function listen<T>(list: T[], cb: T): () => void {
  list.push(cb);
  return () => {
    const i = list.indexOf(cb);
    if (i >= 0) list.splice(i, 1);
  };
}

function push<T>(list: T[], item: T, dropped: () => void): void {
  list.push(item);
  if (list.length > MAX_KEPT) {
    list.shift();
    dropped();
  }
}
