/**
 * The globals of firmware/hal/espruino.d.ts, implemented for one sandboxed
 * device: pins and I/O, watches, timers, getTime, setDeepSleep, Serial1, E,
 * require("Storage"|"crypto"), process.env and a console that goes to the
 * host's log (never to Serial1). Nothing else is added.
 */
import { createHash } from "node:crypto";
import type { Board } from "../build/boards.js";
import { levelOf, type PinBank, type PinModeName, type PinState, Watch } from "./pins.js";
import { bytesOf, type SerialModel } from "./serial.js";
import type { EspruinoStorageApi } from "./storage.js";
import type { TimerTable } from "./timers.js";
import type { VirtualClock } from "./virtual-clock.js";

/** Espruino version the sandbox stands for (process.env.VERSION). */
export const ESPRUINO_VERSION = "2v29";

const PIN_MODES = new Set(["input", "input_pullup", "input_pulldown", "output", "analog", "auto"]);

/** What the globals need from the device that owns them. */
export interface DeviceHost {
  readonly board: Board;
  readonly clock: VirtualClock;
  readonly pins: PinBank;
  readonly timers: TimerTable;
  readonly serial: SerialModel;
  readonly storage: EspruinoStorageApi;
  readonly ArrayBuffer: ArrayBufferConstructor;
  uptimeMs(): number;
  makeError(message: string): Error;
  invoke(fn: unknown, arg?: unknown): void;
  pinWritten(state: PinState): void;
  console(line: string): void;
  nextWatchId(): number;
  addWatch(w: Watch): void;
  removeWatch(id: unknown, hasArg: boolean): void;
  fireWatch(w: Watch, level: 0 | 1, atMs: number): void;
  initHandlers: unknown[];
  setDeepSleep(on: boolean): void;
  setConsoleDevice(device: string | null): void;
  enableWatchdog(timeoutS: number, isAuto: boolean): void;
  kickWatchdog(): void;
  requestReboot(): void;
  chipTemperatureC(): number;
}

function formatArg(v: unknown): string {
  if (typeof v === "string") return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function espruinoGlobals(h: DeviceHost): Record<string, unknown> {
  const pinOf = (value: unknown): PinState => {
    const s = h.pins.fromImage(value);
    if (!s)
      throw h.makeError(`Expecting a pin, got ${value === undefined ? "undefined" : typeof value}`);
    return s;
  };
  const timer = (repeat: boolean) =>
    function (fn: unknown, ms: unknown): number {
      return h.timers.add(fn, ms, repeat);
    };
  const crypto = {
    SHA256(data: unknown): ArrayBuffer {
      const out = new h.ArrayBuffer(32);
      const digest = createHash("sha256")
        .update(bytesOf([data]))
        .digest();
      new Uint8Array(out).set(digest);
      return out;
    },
  };
  const log = function (...args: unknown[]): void {
    h.console(args.map(formatArg).join(" "));
  };
  const globals: Record<string, unknown> = {
    analogRead(pin: unknown): number {
      const s = pinOf(pin);
      if (!s.analog) throw h.makeError(`Pin ${s.name} is not an ADC`);
      return s.analogLevel;
    },
    digitalRead(pin: unknown): number {
      return levelOf(pinOf(pin));
    },
    digitalWrite(pin: unknown, value: unknown): void {
      const s = pinOf(pin);
      if (s.mode !== "output") s.mode = "output";
      s.output = value ? 1 : 0;
      h.pinWritten(s);
    },
    pinMode(pin: unknown, mode: unknown): void {
      const s = pinOf(pin);
      if (typeof mode !== "string" || !PIN_MODES.has(mode))
        throw h.makeError(`Unknown pin mode ${String(mode)}`);
      s.mode = mode as PinModeName;
    },
    setWatch(fn: unknown, pin: unknown, opts: unknown): number {
      if (typeof fn !== "function") throw h.makeError("Function or String not supplied!");
      const s = pinOf(pin);
      const o = (opts ?? {}) as { repeat?: unknown; edge?: unknown; debounce?: unknown };
      const edge = o.edge === "rising" || o.edge === "falling" ? o.edge : "both";
      const debounce = Number(o.debounce ?? 0);
      const w = new Watch(
        h.nextWatchId(),
        fn,
        s,
        o.repeat === true,
        edge,
        Math.max(debounce, 0),
        levelOf(s),
        (watch, level, atMs) => h.fireWatch(watch, level, atMs),
      );
      h.addWatch(w);
      return w.id;
    },
    clearWatch(...args: unknown[]): void {
      h.removeWatch(args[0], args.length > 0);
    },
    setTimeout: timer(false),
    setInterval: timer(true),
    clearTimeout(...args: unknown[]): void {
      h.timers.clear(args, "Timeout");
    },
    clearInterval(...args: unknown[]): void {
      h.timers.clear(args, "Interval");
    },
    getTime(): number {
      return h.uptimeMs() / 1000;
    },
    setDeepSleep(on: unknown): void {
      h.setDeepSleep(Boolean(on));
    },
    Serial1: {
      setup(baud: unknown, opts?: { rx?: unknown; tx?: unknown }): void {
        h.serial.baud = Number(baud);
        h.serial.rx = opts?.rx === undefined ? undefined : pinOf(opts.rx).name;
        h.serial.tx = opts?.tx === undefined ? undefined : pinOf(opts.tx).name;
      },
      on(event: unknown, fn: unknown): void {
        if (event === "data" && typeof fn === "function") h.serial.dataHandlers.push(fn);
      },
      write(...data: unknown[]): void {
        h.serial.written(bytesOf(data));
      },
    },
    E: {
      on(event: unknown, fn: unknown): void {
        if (event === "init" && typeof fn === "function") h.initHandlers.push(fn);
      },
      setConsole(device: unknown): void {
        h.setConsoleDevice(device === null || device === undefined ? null : String(device));
      },
      enableWatchdog(timeoutS: unknown, isAuto: unknown): void {
        h.enableWatchdog(Number(timeoutS), isAuto !== false);
      },
      kickWatchdog(): void {
        h.kickWatchdog();
      },
      reboot(): void {
        h.requestReboot();
      },
      getTemperature(): number {
        return h.chipTemperatureC();
      },
    },
    require(name: unknown): unknown {
      if (name === "Storage") return h.storage;
      if (name === "crypto" && h.board.nativeSha256) return crypto;
      throw h.makeError(`Module ${String(name)} not found`);
    },
    process: { env: { VERSION: ESPRUINO_VERSION, BOARD: h.board.envBoard } },
    console: { log, info: log, warn: log, error: log, debug: log },
  };
  for (const name of h.pins.names()) globals[name] = h.pins.byHostName(name).pin;
  return globals;
}
