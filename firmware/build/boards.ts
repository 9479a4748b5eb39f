/**
 * The Espruino boards a Haitang image can be built for: memory, the image budget
 * that follows from it, native SHA-256, pin names, and the device kinds each
 * one is fit for.
 *
 * Image budget. The image's code is kept in flash (a Storage file, see
 * installer/storage-install.ts), so its bytes are limited by the board's
 * Storage, less room for the device's own files:
 *   codeBudgetBytes = storageBytes - STORAGE_RESERVE_BYTES.
 * What limits an image in RAM is the JsVars its code declares and allocates:
 * the build checks that against measurements on the real interpreter
 * (memory-table.ts). JsVar counts and Storage sizes: Espruino 2v29's board
 * files.
 */
import type { DeviceKind } from "../device-config.js";

export type BoardName = "ORIGINAL" | "PICO" | "PUCKJS" | "ESP8266" | "WIFI" | "ESP32";

export interface Board {
  name: BoardName;
  title: string;
  /** `process.env.BOARD` on the real board. */
  envBoard: string;
  jsVars: number;
  /**
   * Bytes of flash Espruino 2v29 gives Storage on this board (its board file's
   * saved-code pages): the image's code lives there as `.bootcde`, next to the
   * device's small files (counters, downlink window, age).
   */
  storageBytes: number;
  /** Largest image the board's Storage takes (see the file comment). */
  codeBudgetBytes: number;
  /** `require("crypto").SHA256` exists. */
  nativeSha256: boolean;
  /** `setDeepSleep(true)` really sleeps (µA between timers): a battery device needs it. */
  deepSleep: boolean;
  /** Every pin name the board defines as a global Pin. */
  pins: readonly string[];
  /** Pins with an ADC channel (analogRead). */
  analogPins: readonly string[];
  /**
   * Images carry the firmware-update receiver (issue 14). Off where the image
   * budget has no room for it: such a board is updated over USB only.
   */
  ota: boolean;
  /** Device kinds the board is fit for, and why (see `kindNotes`). */
  kinds: readonly DeviceKind[];
  kindNotes: string;
}

/**
 * Storage kept free beside the image: the boot code, the device's files
 * (counters, downlink window, age, port states) and Storage's own headers.
 */
export const STORAGE_RESERVE_BYTES = 2048;

export function budgetFromStorage(storageBytes: number): number {
  return storageBytes - STORAGE_RESERVE_BYTES;
}

/** "A", 0, 15 -> A0..A15, without the names in `skip`. */
function range(port: string, from: number, to: number, skip: readonly number[] = []): string[] {
  const out: string[] = [];
  for (let i = from; i <= to; i++) if (!skip.includes(i)) out.push(port + i);
  return out;
}

// STM32: A11/A12 are the USB data lines on every board below, so never offered.
const STM32_USB = [11, 12];
const STM32F1_F4_ADC = [...range("A", 0, 7), "B0", "B1"];

const BOARDS: Record<BoardName, Board> = {
  ORIGINAL: {
    name: "ORIGINAL",
    title: "Espruino Original (STM32F103RCT6)",
    envBoard: "ESPRUINOBOARD",
    jsVars: 2756,
    storageBytes: 20_480,
    codeBudgetBytes: budgetFromStorage(20_480),
    nativeSha256: false,
    deepSleep: true,
    pins: [
      ...range("A", 0, 15, STM32_USB),
      ...range("B", 0, 15),
      ...range("C", 0, 15),
      "D2",
      "LED1",
      "LED2",
      "LED3",
      "BTN1",
    ],
    analogPins: [...STM32F1_F4_ADC, ...range("C", 0, 5)],
    kinds: ["smoke", "guardian"],
    // 20 KB of Storage cannot hold the running image and a new one.
    ota: false,
    kindNotes:
      "Deep sleep for battery devices. No native SHA-256: the plain-JS one is bundled (about " +
      "1.4 KB more) and each MAC takes the interpreter seconds, which delays a detector's alarm " +
      "frame but would stall a charger's 50 ms short-circuit sampling: no chargers.",
  },
  PICO: {
    name: "PICO",
    title: "Espruino Pico (STM32F401CDU6)",
    envBoard: "PICO_R1_3",
    jsVars: 5100,
    storageBytes: 49_152,
    codeBudgetBytes: budgetFromStorage(49_152),
    nativeSha256: true,
    deepSleep: true,
    pins: [...range("A", 0, 15, STM32_USB), ...range("B", 0, 15), "LED1", "LED2", "BTN1"],
    analogPins: STM32F1_F4_ADC,
    kinds: ["smoke", "charger", "guardian"],
    ota: true,
    kindNotes:
      "Deep sleep at about 20 µA suits battery detectors; 10 ADC channels and 30 GPIO carry a " +
      "charger (ports beyond the ADC count need an external meter). Native SHA-256.",
  },
  PUCKJS: {
    name: "PUCKJS",
    title: "Puck.js (nRF52832)",
    envBoard: "PUCKJS",
    jsVars: 2630,
    storageBytes: 40_960,
    codeBudgetBytes: budgetFromStorage(40_960),
    nativeSha256: true,
    deepSleep: true,
    pins: [...range("D", 0, 31), "LED1", "LED2", "LED3", "BTN1"],
    analogPins: ["D2", "D3", "D4", "D5", "D28", "D29", "D30", "D31"],
    kinds: ["smoke", "guardian"],
    ota: true,
    kindNotes:
      "A coin-cell board that sleeps by default: made for battery detectors and guardian " +
      "sensors. Too few exposed pins for a charger's relays.",
  },
  ESP8266: {
    name: "ESP8266",
    title: "ESP8266 (4 MB)",
    envBoard: "ESP8266_4MB",
    jsVars: 1600,
    storageBytes: 196_608,
    codeBudgetBytes: budgetFromStorage(196_608),
    nativeSha256: false,
    deepSleep: false,
    // D6..D11 drive the SPI flash.
    pins: [...range("D", 0, 16, [6, 7, 8, 9, 10, 11]), "A0"],
    analogPins: ["A0"],
    kinds: [],
    ota: false,
    kindNotes:
      "1,600 JsVars are too few: measured on the real Espruino 2v29 interpreter, even the " +
      "smallest image (a guardian sensor, with the plain-JS SHA-256 this board needs) leaves " +
      "under 40 % free after boot and under 25 % at its busiest (firmware/build/memory-table.ts). " +
      "Not for detectors (no deep sleep) or chargers (one ADC) either. Use a Puck.js or a Pico.",
  },
  WIFI: {
    name: "WIFI",
    title: "Espruino WiFi (STM32F411CEU6)",
    envBoard: "ESPRUINOWIFI",
    jsVars: 8190,
    storageBytes: 65_536,
    codeBudgetBytes: budgetFromStorage(65_536),
    nativeSha256: true,
    deepSleep: true,
    pins: [...range("A", 0, 15, STM32_USB), ...range("B", 0, 15), "LED1", "LED2", "BTN1"],
    analogPins: STM32F1_F4_ADC,
    kinds: ["charger", "guardian"],
    ota: true,
    kindNotes:
      "Mains devices: a charger or a guardian. Its Wi-Fi module draws too much for a battery " +
      "smoke detector.",
  },
  ESP32: {
    name: "ESP32",
    title: "ESP32 (ESP-WROOM-32)",
    envBoard: "ESP32",
    jsVars: 12000,
    storageBytes: 917_504,
    codeBudgetBytes: budgetFromStorage(917_504),
    nativeSha256: true,
    deepSleep: false,
    // D6..D11 drive the SPI flash; D20, D24 and D28..D31 do not exist.
    pins: [
      ...range("D", 0, 5),
      ...range("D", 12, 19),
      ...range("D", 21, 23),
      ...range("D", 25, 27),
      ...range("D", 32, 39),
    ],
    // ADC1 only: ADC2 stops working while the radio is on.
    analogPins: range("D", 32, 39),
    kinds: ["charger", "guardian"],
    ota: true,
    kindNotes:
      "Plenty of memory for a 12-port charger: 8 ADC1 channels, so more than 7 ports read their " +
      "meters through a 16-channel multiplexer (pins mux + muxS0..3, pin-plan.ts). Espruino " +
      "does not deep-sleep it between timers: not for batteries.",
  },
};

export const BOARD_NAMES = Object.keys(BOARDS) as BoardName[];

export function findBoard(name: string): Board | undefined {
  const key = name.toUpperCase();
  return (BOARDS as Record<string, Board | undefined>)[key];
}

export function getBoard(name: string): Board {
  const b = findBoard(name);
  if (!b) throw new Error(`unknown board '${name}' (known: ${BOARD_NAMES.join(", ")})`);
  return b;
}

/** "A0-A10, A13-A15, B0-B15, LED1" for messages. */
export function describePins(pins: readonly string[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < pins.length) {
    const m = /^([A-Z]+)(\d+)$/.exec(pins[i] as string);
    if (!m) {
      parts.push(pins[i] as string);
      i++;
      continue;
    }
    const port = m[1] as string;
    const start = Number(m[2]);
    let end = start;
    let j = i + 1;
    while (j < pins.length && pins[j] === port + (end + 1)) {
      end++;
      j++;
    }
    parts.push(end > start ? `${port}${start}-${port}${end}` : `${port}${start}`);
    i = j;
  }
  return parts.join(", ");
}

/** The board table as text (`haitang build-firmware --list-boards`). */
export function describeBoards(): string {
  const rows = [["board", "JsVars", "budget B", "SHA256", "kinds", "title"]];
  for (const name of BOARD_NAMES) {
    const b = BOARDS[name];
    rows.push([
      b.name,
      String(b.jsVars),
      String(b.codeBudgetBytes),
      b.nativeSha256 ? "native" : "JS",
      b.kinds.join(","),
      b.title,
    ]);
  }
  const widths = (rows[0] as string[]).map((_, i) =>
    Math.max(...rows.map((r) => (r[i] ?? "").length)),
  );
  const text = rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  );
  const notes = BOARD_NAMES.map((n) => `  ${n}: ${BOARDS[n].kindNotes}`);
  return `${text.join("\n")}\n\nbudget = the board's Storage (where the code is kept) less ${STORAGE_RESERVE_BYTES} bytes for its files; each image is also checked against the JsVars measured on the real interpreter (firmware/build/memory-table.ts)\n\n${notes.join("\n")}\n`;
}
