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
    imageBytes: 11330,
    boot: 1141,
    steady: 1158,
    alarmPeak: 1509,
    interpreter: "Espruino 2v29, 13-byte JsVars",
  },
  {
    kind: "guardian",
    board: "ORIGINAL",
    firmware: "0.1.0",
    imageBytes: 9831,
    boot: 970,
    steady: 1106,
    alarmPeak: 1280,
    interpreter: "Espruino 2v29, 13-byte JsVars",
  },
  {
    kind: "smoke",
    board: "PICO",
    firmware: "0.1.0",
    imageBytes: 10150,
    boot: 1098,
    steady: 1115,
    alarmPeak: 1458,
    interpreter: "Espruino 2v29, 13-byte JsVars",
  },
  {
    kind: "charger",
    board: "PICO",
    firmware: "0.1.0",
    imageBytes: 12225,
    boot: 1219,
    steady: 1220,
    alarmPeak: 1667,
    interpreter: "Espruino 2v29, 13-byte JsVars",
  },
  {
    kind: "guardian",
    board: "PICO",
    firmware: "0.1.0",
    imageBytes: 8651,
    boot: 928,
    steady: 929,
    alarmPeak: 1062,
    interpreter: "Espruino 2v29, 13-byte JsVars",
  },
  {
    kind: "smoke",
    board: "PUCKJS",
    firmware: "0.1.0",
    imageBytes: 10156,
    boot: 1099,
    steady: 1099,
    alarmPeak: 1431,
    interpreter: "Espruino 2v29, 13-byte JsVars",
  },
  {
    kind: "guardian",
    board: "PUCKJS",
    firmware: "0.1.0",
    imageBytes: 8658,
    boot: 945,
    steady: 929,
    alarmPeak: 1230,
    interpreter: "Espruino 2v29, 13-byte JsVars",
  },
  {
    kind: "guardian",
    board: "ESP8266",
    firmware: "0.1.0",
    imageBytes: 9820,
    boot: 974,
    steady: 1026,
    alarmPeak: 1236,
    interpreter: "Espruino 2v29, 12-byte JsVars",
  },
  {
    kind: "charger",
    board: "WIFI",
    firmware: "0.1.0",
    imageBytes: 12225,
    boot: 1219,
    steady: 1220,
    alarmPeak: 1653,
    interpreter: "Espruino 2v29, 13-byte JsVars",
  },
  {
    kind: "guardian",
    board: "WIFI",
    firmware: "0.1.0",
    imageBytes: 8651,
    boot: 928,
    steady: 946,
    alarmPeak: 1229,
    interpreter: "Espruino 2v29, 13-byte JsVars",
  },
  {
    kind: "charger",
    board: "ESP32",
    firmware: "0.1.0",
    imageBytes: 12230,
    boot: 1215,
    steady: 1229,
    alarmPeak: 1657,
    interpreter: "Espruino 2v29, 14-byte JsVars",
  },
  {
    kind: "guardian",
    board: "ESP32",
    firmware: "0.1.0",
    imageBytes: 8651,
    boot: 925,
    steady: 926,
    alarmPeak: 1094,
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
