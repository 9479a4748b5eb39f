/**
 * The firmware sandbox (firmware/sandbox) as the simulator's FirmwareRuntime:
 * one sandbox and one virtual clock per device, so each device is advanced
 * exactly to its own next timer with its pins set for that instant.
 */
import { loadFirmware } from "../../firmware/sandbox/sandbox.js";
import type { FirmwareRuntime, FirmwareRuntimeFactory } from "./firmware-runtime.js";

export const sandboxRuntime: FirmwareRuntimeFactory = (code, cb, opts): FirmwareRuntime => {
  const storage = opts.flash ?? new Map<string, string>(Object.entries(opts.storage ?? {}));
  const sb = loadFirmware(code, {
    board: opts.board,
    seed: opts.seed,
    storage,
    bootFromStorage: opts.bootFromStorage === true,
    fileName: `${opts.name ?? "image"}.js`,
  });
  sb.onSerialWrite((bytes) => cb.onSerialOut(bytes));
  sb.onPinWrite((pin, high) => cb.onPinWrite(pin, high));
  if (cb.onConsole) {
    const onConsole = cb.onConsole;
    sb.onConsole((line) => onConsole(line));
  }
  return {
    start: () => sb.start(),
    nowMs: () => sb.now(),
    // Each device has a clock of its own, so its next task is the clock's next task.
    nextTimerMs: () => sb.clock.nextDueMs(),
    advanceTo: (ms) => {
      if (ms > sb.clock.nowMs) sb.clock.advanceTo(ms);
      else sb.clock.advanceTo(sb.clock.nowMs);
    },
    setAnalog: (pin, v) => sb.setAnalog(pin, v),
    setDigital: (pin, high) => sb.setDigital(pin, high),
    serialIn: (bytes) => sb.serialInput(bytes),
    reboot: () => sb.reboot(),
    halt: () => sb.halt(),
    errors: () => sb.errors.map((e) => e.message),
  };
};
