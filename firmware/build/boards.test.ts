import { describe, expect, it } from "vitest";
import {
  BOARD_NAMES,
  budgetFromStorage,
  describePins,
  findBoard,
  getBoard,
  STORAGE_RESERVE_BYTES,
} from "./boards.js";

describe("the board table", () => {
  it("derives every image budget from the board's Storage, where the code is kept", () => {
    for (const name of BOARD_NAMES) {
      const b = getBoard(name);
      expect(b.codeBudgetBytes).toBe(budgetFromStorage(b.storageBytes));
    }
    // The Pico's three 16 KB saved-code pages.
    expect(getBoard("PICO").codeBudgetBytes).toBe(3 * 16384 - STORAGE_RESERVE_BYTES);
  });

  it("has Espruino 2v29's JsVar count for each board", () => {
    expect(BOARD_NAMES.map((n) => getBoard(n).jsVars)).toEqual([
      2756, 5100, 2630, 1600, 8190, 12000,
    ]);
  });

  it("has a native SHA-256 on the Pico, Puck.js, WiFi and ESP32 only", () => {
    expect(BOARD_NAMES.filter((n) => getBoard(n).nativeSha256)).toEqual([
      "PICO",
      "PUCKJS",
      "WIFI",
      "ESP32",
    ]);
  });

  it("lists analog pins among the board's pins, and no pin twice", () => {
    for (const name of BOARD_NAMES) {
      const b = getBoard(name);
      expect(new Set(b.pins).size).toBe(b.pins.length);
      for (const p of b.analogPins) expect(b.pins).toContain(p);
    }
  });

  it("names pins as Espruino does per chip family", () => {
    expect(getBoard("PICO").pins).toEqual(
      expect.arrayContaining(["A0", "B15", "LED1", "LED2", "BTN1"]),
    );
    expect(getBoard("PICO").pins).not.toContain("A11"); // USB D-
    expect(getBoard("PUCKJS").pins).toEqual(expect.arrayContaining(["D0", "D31", "LED3"]));
    expect(getBoard("ESP8266").pins).toEqual(expect.arrayContaining(["D0", "D16", "A0"]));
    expect(getBoard("ESP32").pins).toContain("D39");
  });

  it("keeps battery kinds on boards that deep-sleep, chargers on boards with the pins and a native SHA-256", () => {
    for (const name of BOARD_NAMES) {
      const b = getBoard(name);
      if (b.kinds.includes("smoke")) expect(b.deepSleep).toBe(true);
      if (b.kinds.includes("charger")) {
        expect(b.pins.length).toBeGreaterThanOrEqual(12 * 2 + 1);
        expect(b.nativeSha256).toBe(true);
      }
    }
  });

  it("finds boards by name in any case and refuses unknown ones", () => {
    expect(findBoard("pico")?.name).toBe("PICO");
    expect(() => getBoard("ARDUINO")).toThrow(/unknown board 'ARDUINO' \(known: ORIGINAL, PICO/);
  });

  it("describes pin lists as ranges", () => {
    expect(describePins(["A0", "A1", "A2", "A5", "B0", "LED1"])).toBe("A0-A2, A5, B0, LED1");
  });
});
