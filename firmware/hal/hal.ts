/**
 * The hardware interface every Haitang device is written against. One file
 * implements it on Espruino's globals (espruino-hal.ts); tests use fake-hal.ts
 * and the simulator its own virtual hardware. Pins are addressed by role
 * ("smoke", "relay0", ...); the build maps roles to board pins.
 * ES5-safe: this runs on the board.
 */
import type { Sha256Fn } from "../../protocol/sha256.js";

export type PinHandler = (high: boolean, timeMs: number) => void;

export interface Hal {
  /** Monotonic milliseconds since power-on. */
  nowMs(): number;
  /** True when the build gave a pin for this role. */
  has(role: string): boolean;
  /** Analog input in 0..1 of the reference voltage. */
  analog(role: string): number;
  read(role: string): boolean;
  /** Drives an output (relay, buzzer, LED, radio enable). */
  write(role: string, high: boolean): void;
  /**
   * Calls `fn` on both edges of an input, debounced (0 for none). `pullUp` for
   * contacts to ground (buttons, reed, tamper); driven outputs (PIR,
   * comparator) without, so an open line reads low.
   */
  watch(role: string, debounceMs: number, pullUp: boolean, fn: PinHandler): void;
  /** Repeating timer. Timers are never cancelled: Espruino throws on clearing a fired one. */
  every(ms: number, fn: () => void): void;
  after(ms: number, fn: () => void): void;
  /** Writes framed bytes to the link (radio UART / RS-485). */
  send(bytes: Uint8Array): void;
  /** Bytes from the link, in arbitrary chunks. */
  onReceive(fn: (bytes: Uint8Array) => void): void;
  /** Small persistent files (counters, latched states); undefined when absent. */
  load(name: string): string | undefined;
  save(name: string, data: string): void;
  sha256: Sha256Fn;
  /** 0 <= x < 1, for retry jitter. */
  random(): number;
  /** Battery devices: allow deep sleep between timers. */
  deepSleep(on: boolean): void;
}
