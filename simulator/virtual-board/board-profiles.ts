/**
 * What a virtual board says about itself (`process.env`) and how much program
 * it can hold. Values follow the boards' published specs and Espruino 2v29's
 * `process.env` on each (https://www.espruino.com/Reference#l_process_env).
 * `programBytes` approximates the JsVar store: a board with N variables holds
 * roughly N × 12 characters of program text once its runtime state is counted.
 */

export interface BoardProfile {
  /** Our short name, as `--board` takes it (lower case). */
  name: string;
  /** `process.env.BOARD` on the real board. */
  envBoard: string;
  jsVars: number;
  programBytes: number;
  /** Where the REPL lives by default: USB for boards with native USB. */
  console: "USB" | "Serial1" | "Bluetooth";
  ramBytes: number;
  flashBytes: number;
  /** Built-in modules (`process.env.MODULES`). */
  modules: string[];
  nativeSha256: boolean;
}

const FIRMWARE_VERSION = "2v29";

export const BOARD_PROFILES: Record<string, BoardProfile> = {
  pico: {
    name: "pico",
    envBoard: "PICO_R1_3",
    jsVars: 5100,
    programBytes: 5100 * 12,
    console: "USB",
    ramBytes: 98_304,
    flashBytes: 393_216,
    modules: ["Flash", "Storage", "heatshrink", "fs", "net", "dgram", "http", "crypto", "neopixel"],
    nativeSha256: true,
  },
  wifi: {
    name: "wifi",
    envBoard: "ESPRUINOWIFI",
    jsVars: 8190,
    programBytes: 8190 * 12,
    console: "USB",
    ramBytes: 131_072,
    flashBytes: 524_288,
    modules: ["Flash", "Storage", "heatshrink", "fs", "net", "dgram", "http", "crypto", "Wifi"],
    nativeSha256: true,
  },
  puckjs: {
    name: "puckjs",
    envBoard: "PUCKJS",
    jsVars: 2630,
    programBytes: 2630 * 12,
    console: "Bluetooth",
    ramBytes: 65_536,
    flashBytes: 524_288,
    modules: ["Flash", "Storage", "heatshrink", "crypto", "NRF"],
    nativeSha256: true,
  },
  esp32: {
    name: "esp32",
    envBoard: "ESP32",
    jsVars: 12_000,
    programBytes: 12_000 * 12,
    console: "Serial1",
    ramBytes: 327_680,
    flashBytes: 4_194_304,
    modules: ["Flash", "Storage", "heatshrink", "fs", "net", "dgram", "http", "crypto", "Wifi"],
    nativeSha256: true,
  },
  esp8266: {
    name: "esp8266",
    envBoard: "ESP8266_4MB",
    jsVars: 1600,
    programBytes: 1600 * 12,
    console: "Serial1",
    ramBytes: 81_920,
    flashBytes: 4_194_304,
    modules: ["Flash", "Storage", "heatshrink", "net", "dgram", "http", "Wifi"],
    nativeSha256: false,
  },
  original: {
    name: "original",
    envBoard: "ESPRUINOBOARD",
    jsVars: 2756,
    programBytes: 2756 * 12,
    console: "USB",
    ramBytes: 65_536,
    flashBytes: 262_144,
    modules: ["Flash", "Storage", "heatshrink", "fs"],
    nativeSha256: false,
  },
};

/** Finds a profile by our name or by its `process.env.BOARD`. */
export function findBoardProfile(name: string): BoardProfile | undefined {
  const lower = name.toLowerCase();
  const direct = BOARD_PROFILES[lower];
  if (direct) return direct;
  return Object.values(BOARD_PROFILES).find((p) => p.envBoard.toLowerCase() === lower);
}

/** The JSON a board answers to `process.env`. */
export function boardEnv(profile: BoardProfile, serial: string): Record<string, unknown> {
  return {
    VERSION: FIRMWARE_VERSION,
    GIT_COMMIT: "haitang-virtual",
    BOARD: profile.envBoard,
    RAM: profile.ramBytes,
    FLASH: profile.flashBytes,
    SPIFLASH: 0,
    STORAGE: Math.floor(profile.flashBytes / 4),
    SERIAL: serial,
    CONSOLE: profile.console,
    MODULES: profile.modules.join(","),
    EXPTR: 536_871_028,
  };
}
