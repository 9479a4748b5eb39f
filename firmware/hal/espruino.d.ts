/**
 * The subset of Espruino's globals (2v29) that Haitang firmware may use. This is
 * the contract between firmware/hal/espruino-hal.ts (which calls them on a
 * board) and firmware/sandbox (which offers exactly these to the built image).
 * Anything not declared here is not available to firmware.
 * Reference: https://www.espruino.com/Reference
 */

interface Pin {
  /** Pin name, e.g. "A0", as Espruino's Pin.getInfo().name would give. */
  toString(): string;
}

/** Analog input, 0..1 of the reference voltage. */
declare function analogRead(pin: Pin): number;
declare function digitalRead(pin: Pin): number;
declare function digitalWrite(pin: Pin, value: number | boolean): void;
declare function pinMode(
  pin: Pin,
  mode: "input" | "input_pullup" | "input_pulldown" | "output" | "analog",
): void;

interface WatchOptions {
  repeat?: boolean;
  edge?: "rising" | "falling" | "both";
  /** Debounce in milliseconds. */
  debounce?: number;
}
interface WatchEvent {
  state: boolean;
  time: number;
  lastTime: number;
}
declare function setWatch(fn: (e: WatchEvent) => void, pin: Pin, opts: WatchOptions): number;
declare function clearWatch(id: number): void;

declare function setInterval(fn: () => void, ms: number): number;
declare function setTimeout(fn: () => void, ms: number): number;
declare function clearInterval(id: number): void;
declare function clearTimeout(id: number): void;
/** Seconds since power-on (float). */
declare function getTime(): number;
/** Allow deep sleep between timers (battery devices). */
declare function setDeepSleep(on: boolean): void;

interface EspruinoSerial {
  setup(baud: number, opts?: { rx?: Pin; tx?: Pin }): void;
  /** Bytes arrive as a binary string (one char per byte). */
  on(event: "data", fn: (data: string) => void): void;
  /** Writes bytes; a Uint8Array or an array of byte values. */
  write(data: Uint8Array | number[] | string): void;
}
declare const Serial1: EspruinoSerial;

interface EspruinoE {
  on(event: "init", fn: () => void): void;
  /** Moves the REPL console off the frame UART (to USB or a loopback). */
  setConsole(device: string | null, opts?: { force?: boolean }): void;
  enableWatchdog(timeoutS: number, isAuto: boolean): void;
  kickWatchdog(): void;
  /** Chip temperature in degrees C. */
  getTemperature(): number;
  /** Software reset: boots ".bootcde" again (the update loader switches images this way). */
  reboot(): void;
}
declare const E: EspruinoE;

interface EspruinoStorage {
  /**
   * Returns the file (or `length` bytes of it from `offset`) as a binary
   * string read straight from flash, or undefined when absent.
   */
  read(name: string, offset?: number, length?: number): string | undefined;
  /**
   * Writes a file. In pieces: `write(name, first, 0, size)` creates a file of
   * `size` bytes, then `write(name, piece, offset)` fills it in.
   */
  write(name: string, data: string | Uint8Array, offset?: number, size?: number): boolean;
  readJSON(name: string, noExceptions: boolean): unknown;
  writeJSON(name: string, data: unknown): boolean;
  erase(name: string): void;
  eraseAll(): void;
  /** Bytes free for new files. */
  getFree(): number;
}
interface EspruinoCrypto {
  /** Native SHA-256 (Pico, Puck.js, Espruino WiFi, ESP32): returns 32 bytes. */
  SHA256(data: Uint8Array | string): ArrayBuffer;
}
declare function require(module: "Storage"): EspruinoStorage;
declare function require(module: "crypto"): EspruinoCrypto;

declare const process: { env: { VERSION: string; BOARD: string } };

/** Injected by the firmware build: the device's identity, key, thresholds and link. */
declare const HAITANG_DEVICE: import("../device-config").DeviceConfig;
/** Injected by the firmware build: board pins by role, resolved to the board's Pin globals. */
declare const HAITANG_PINS: { [role: string]: Pin };
/** Injected by the firmware build: what the target board has. */
declare const HAITANG_BOARD: {
  name: string;
  nativeSha256: boolean;
  /** The image carries the update receiver (firmware/devices/ota-receiver.ts). */
  ota: boolean;
  /** OTA_BOARD_CODES[name]. */
  code: number;
};
/** Injected by the firmware build: firmware version "major.minor.patch". */
declare const HAITANG_FIRMWARE_VERSION: string;
