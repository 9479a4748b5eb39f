/**
 * What the simulator needs from a running firmware image: the firmware
 * sandbox (firmware/sandbox) behind a narrow interface, in virtual time.
 * Times are the runtime's own clock: milliseconds since it was created
 * (a reboot keeps the clock running).
 */
import type { DeviceConfig } from "../../firmware/device-config.js";

export interface FirmwareRuntime {
  /** Runtime clock milliseconds since creation. */
  nowMs(): number;
  /** Device time of the next due timer or watch, or undefined when idle. */
  nextTimerMs(): number | undefined;
  /** Runs every timer due up to runtime time `ms` (not before now), in order. */
  advanceTo(ms: number): void;
  setAnalog(pin: string, fraction: number): void;
  setDigital(pin: string, high: boolean): void;
  /** Power-on: the image's init handlers run (pins should be set before). */
  start(): void;
  /** Bytes into the board's Serial1. */
  serialIn(bytes: Uint8Array): void;
  /** Power cycle: the same image restarts with its Storage kept. */
  reboot(): void;
  /** Stops everything (power removed). */
  halt(): void;
  /** Uncaught errors the image raised so far. */
  errors?(): string[];
}

export interface FirmwareCallbacks {
  /** The firmware wrote to Serial1. */
  onSerialOut(bytes: Uint8Array): void;
  /** The firmware drove an output pin. */
  onPinWrite(pin: string, high: boolean): void;
  /** A line the firmware printed (console), for the trace. */
  onConsole?(line: string): void;
}

/** Makes a runtime for a built image; the sandbox adapter implements it. */
export type FirmwareRuntimeFactory = (
  code: string,
  callbacks: FirmwareCallbacks,
  opts: {
    board: string;
    seed: number;
    name?: string;
    storage?: Record<string, string>;
    /**
     * The device's flash, kept across power cuts (a runtime uses this Map as its
     * Storage); with `bootFromStorage` the board boots what `.bootcde` holds, as
     * `haitang flash` leaves it (firmware updates need that).
     */
    flash?: Map<string, string>;
    bootFromStorage?: boolean;
    /** The device's build configuration (the native runtime runs the app with it). */
    config?: DeviceConfig;
  },
) => FirmwareRuntime;
