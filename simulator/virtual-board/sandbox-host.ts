/**
 * Runs a virtual board's saved program in the firmware sandbox
 * (firmware/sandbox) on a REAL-time clock: the sandbox's virtual clock is
 * advanced by wall-clock time, so timers, listen windows and retries happen
 * at their real pace. Serial1 is the board's radio link; Storage outlives
 * reboots and re-flashes (it is the board's flash); the console goes to the
 * USB REPL; pins the test or the simulator drives keep their levels.
 */
import { type FirmwareSandbox, loadFirmware } from "../../firmware/sandbox/sandbox.js";
import type { StorageFiles } from "../../firmware/sandbox/storage.js";
import type { FirmwareHost, FirmwareRuntime } from "./firmware-host.js";
import type { RadioLink } from "./virtual-board.js";

export interface SandboxHostOptions {
  /** Board name for the sandbox (firmware/build/boards.ts). */
  board: string;
  /** Analog input levels (0..1) by pin name: the sensors wired to the board. */
  analog?: Record<string, number>;
  /** Digital input levels by pin name. */
  digital?: Record<string, boolean>;
  /** Longest wall-clock gap between clock advances (ms). */
  tickMs?: number;
}

/** The board's flash as the sandbox sees it: survives load() and re-flashing. */
export function sandboxHost(
  radio: RadioLink,
  opts: SandboxHostOptions,
): FirmwareHost & {
  storage: StorageFiles;
  current(): FirmwareSandbox | undefined;
} {
  const storage: StorageFiles = new Map();
  let current: FirmwareSandbox | undefined;
  radio.onReceive((bytes) => current?.serialInput(bytes));
  return {
    storage,
    current: () => current,
    boot(code, consolePrint) {
      const sandbox = loadFirmware(code, {
        board: opts.board,
        storage,
        fileName: "saved-program.js",
      });
      current = sandbox;
      for (const [pin, v] of Object.entries(opts.analog ?? {})) sandbox.setAnalog(pin, v);
      for (const [pin, v] of Object.entries(opts.digital ?? {})) sandbox.setDigital(pin, v);
      const stopSerial = sandbox.onSerialWrite((bytes) => radio.send(bytes));
      const stopConsole = sandbox.onConsole((line) => consolePrint(line));
      let errorsShown = 0;
      const showErrors = () => {
        while (errorsShown < sandbox.errors.length) {
          consolePrint(`Uncaught ${sandbox.errors[errorsShown]?.message ?? "error"}`);
          errorsShown++;
        }
      };
      sandbox.start();
      showErrors();
      const clock = realTimeDriver(sandbox, opts.tickMs ?? 25, showErrors);
      const runtime: FirmwareRuntime = {
        evaluate(source, print) {
          const espruinoPrint = (...args: unknown[]) =>
            print(args.map((a) => (typeof a === "string" ? a : safeJson(a))).join(" "));
          return sandbox.evaluate(source, { print: espruinoPrint });
        },
        stop() {
          clock.stop();
          stopSerial();
          stopConsole();
          sandbox.halt();
          if (current === sandbox) current = undefined;
        },
      };
      return runtime;
    },
  };
}

/** Advances the sandbox clock with wall-clock time until stopped. */
function realTimeDriver(sandbox: FirmwareSandbox, tickMs: number, after: () => void) {
  let last = Date.now();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    if (stopped) return;
    const now = Date.now();
    if (now > last) sandbox.advance(now - last);
    last = now;
    after();
    const due = sandbox.nextDueMs();
    const wait = due === undefined ? tickMs : Math.max(1, Math.min(tickMs, due - sandbox.now()));
    timer = setTimeout(tick, wait);
  };
  timer = setTimeout(tick, 1);
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
