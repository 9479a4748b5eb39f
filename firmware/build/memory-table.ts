/**
 * JsVars the images really use, measured on the real Espruino interpreter
 * (its Linux build compiled with each board's JsVar count, 32-bit so JsVars
 * are 13 bytes as on the boards) by `node dist/bench/firmware-memory.js`,
 * and the check the build makes with them.
 *
 * A board must keep at least 40 % of its JsVars free after boot and 25 % at
 * the peak of an alarm (issue 11). An image is judged by the measurement of
 * its kind on its board, scaled to its own size: with the code kept in flash
 * (installer/storage-install.ts), what uses JsVars is what the code declares
 * and allocates (functions, closures, objects, buffers), which grows with the
 * code. A pair without a measurement is refused: measure it first.
 */
import type { DeviceKind } from "../device-config.js";
import type { Board } from "./boards.js";

export interface MemoryMeasurement {
  kind: DeviceKind;
  board: string;
  /** Firmware version measured (package.json's at the time). */
  firmware: string;
  imageBytes: number;
  /** JsVars in use after boot (after a garbage collection), host stubs subtracted. */
  boot: number;
  /** After the steady-state duty (samples, acknowledged frames). */
  steady: number;
  /** Most JsVars in use during the alarm / cut-off / activity burst. */
  alarmPeak: number;
  interpreter: string;
}

/** Share of a board's JsVars that must stay free after boot. */
export const BOOT_FREE_MIN = 0.4;
/** Share that must stay free at the alarm peak. */
export const PEAK_FREE_MIN = 0.25;

export const MEASURED: readonly MemoryMeasurement[] = [
  {
    kind: "smoke",
    board: "ORIGINAL",
    firmware: "0.1.0",
    imageBytes: 12782,
    boot: 1351,
    steady: 1351,
    alarmPeak: 1672,
    interpreter: "Espruino 2v29, 13-byte JsVars",
  },
  {
    kind: "guardian",
    board: "ORIGINAL",
    firmware: "0.1.0",
    imageBytes: 9848,
    boot: 999,
    steady: 983,
    alarmPeak: 1190,
    interpreter: "Espruino 2v29, 13-byte JsVars",
  },
  {
    kind: "smoke",
    board: "PICO",
    firmware: "0.1.0",
    imageBytes: 14922,
    boot: 1531,
    steady: 1531,
    alarmPeak: 1905,
    interpreter: "Espruino 2v29, 13-byte JsVars",
  },
  {
    kind: "charger",
    board: "PICO",
    firmware: "0.1.0",
    imageBytes: 17167,
    boot: 1568,
    steady: 1585,
    alarmPeak: 2172,
    interpreter: "Espruino 2v29, 13-byte JsVars",
  },
  {
    kind: "guardian",
    board: "PICO",
    firmware: "0.1.0",
    imageBytes: 11972,
    boot: 1161,
    steady: 1162,
    alarmPeak: 1295,
    interpreter: "Espruino 2v29, 13-byte JsVars",
  },
  {
    kind: "smoke",
    board: "PUCKJS",
    firmware: "0.1.0",
    imageBytes: 14927,
    boot: 1532,
    steady: 1532,
    alarmPeak: 1912,
    interpreter: "Espruino 2v29, 13-byte JsVars",
  },
  {
    kind: "guardian",
    board: "PUCKJS",
    firmware: "0.1.0",
    imageBytes: 11979,
    boot: 1161,
    steady: 1162,
    alarmPeak: 1295,
    interpreter: "Espruino 2v29, 13-byte JsVars",
  },
  {
    kind: "charger",
    board: "WIFI",
    firmware: "0.1.0",
    imageBytes: 17167,
    boot: 1568,
    steady: 1585,
    alarmPeak: 2868,
    interpreter: "Espruino 2v29, 13-byte JsVars",
  },
  {
    kind: "guardian",
    board: "WIFI",
    firmware: "0.1.0",
    imageBytes: 11972,
    boot: 1161,
    steady: 1162,
    alarmPeak: 1295,
    interpreter: "Espruino 2v29, 13-byte JsVars",
  },
  {
    kind: "charger",
    board: "ESP32",
    firmware: "0.1.0",
    imageBytes: 17172,
    boot: 1560,
    steady: 1577,
    alarmPeak: 2399,
    interpreter: "Espruino 2v29, 14-byte JsVars",
  },
  {
    kind: "guardian",
    board: "ESP32",
    firmware: "0.1.0",
    imageBytes: 11972,
    boot: 1154,
    steady: 1155,
    alarmPeak: 1288,
    interpreter: "Espruino 2v29, 14-byte JsVars",
  },
];

export interface MemoryVerdict {
  ok: boolean;
  /** Predicted JsVars after boot and at the alarm peak. */
  boot: number;
  peak: number;
  /** Why it is refused, or how it fits (one sentence with the numbers). */
  text: string;
}

export function findMeasurement(kind: DeviceKind, board: string): MemoryMeasurement | undefined {
  return MEASURED.find((m) => m.kind === kind && m.board === board);
}

/** Judges an image of `imageBytes` of `kind` for `board` against the measurements. */
export function checkMemory(
  kind: DeviceKind,
  board: Board,
  imageBytes: number,
  table: readonly MemoryMeasurement[] = MEASURED,
): MemoryVerdict {
  const m = table.find((r) => r.kind === kind && r.board === board.name);
  if (!m) {
    return {
      ok: false,
      boot: 0,
      peak: 0,
      text:
        `no measurement of a ${kind} on ${board.name} on the real Espruino interpreter ` +
        "(firmware/build/memory-table.ts): measure it with bench/firmware-memory.ts first",
    };
  }
  const scale = imageBytes / m.imageBytes;
  const boot = Math.ceil(m.boot * scale);
  const peak = Math.ceil(m.alarmPeak * scale);
  const bootFree = 1 - boot / board.jsVars;
  const peakFree = 1 - peak / board.jsVars;
  const pct = (x: number) => `${Math.round(x * 100)} %`;
  const numbers =
    `about ${boot} of ${board.jsVars} JsVars used after boot (${pct(bootFree)} free) and ${peak} at the ` +
    `alarm peak (${pct(peakFree)} free), scaled from ${m.boot} / ${m.alarmPeak} measured for a ` +
    `${m.imageBytes}-byte image (firmware ${m.firmware}, ${m.interpreter})`;
  if (bootFree < BOOT_FREE_MIN || peakFree < PEAK_FREE_MIN) {
    return {
      ok: false,
      boot,
      peak,
      text:
        `a ${imageBytes}-byte ${kind} image does not leave ${board.name} enough memory: ${numbers}; ` +
        `at least ${pct(BOOT_FREE_MIN)} must stay free after boot and ${pct(PEAK_FREE_MIN)} at the peak`,
    };
  }
  return { ok: true, boot, peak, text: numbers };
}
