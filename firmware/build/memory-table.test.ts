import { describe, expect, it } from "vitest";
import { BOARD_NAMES, getBoard } from "./boards.js";
import {
  BOOT_FREE_MIN,
  checkMemory,
  findMeasurement,
  MEASURED,
  type MemoryMeasurement,
  PEAK_FREE_MIN,
} from "./memory-table.js";

const row: MemoryMeasurement = {
  kind: "smoke",
  board: "PUCKJS",
  firmware: "0.1.0",
  imageBytes: 10_000,
  boot: 1000,
  steady: 1000,
  alarmPeak: 1300,
  interpreter: "Espruino 2v29, 13-byte JsVars",
};
const puck = getBoard("PUCKJS");

describe("the JsVar check on measured memory", () => {
  it("has a measurement for every pair a board offers, each within the limits", () => {
    for (const name of BOARD_NAMES) {
      const b = getBoard(name);
      for (const kind of b.kinds) {
        const m = findMeasurement(kind, name);
        expect(m, `${kind} / ${name}`).toBeDefined();
        expect(m!.boot / b.jsVars).toBeLessThanOrEqual(1 - BOOT_FREE_MIN);
        expect(m!.alarmPeak / b.jsVars).toBeLessThanOrEqual(1 - PEAK_FREE_MIN);
        expect(m!.interpreter).toMatch(/2v29/);
      }
    }
    expect(MEASURED.length).toBeGreaterThan(0);
  });

  it("scales the measurement to the image's size and accepts what leaves enough free", () => {
    const v = checkMemory("smoke", puck, 12_000, [row]);
    expect(v).toMatchObject({ ok: true, boot: 1200, peak: 1560 });
    expect(v.text).toContain("1200 of 2630 JsVars used after boot (54 % free)");
  });

  it("refuses an image that would leave under 40 % free after boot, with the numbers", () => {
    // 1000 JsVars per 10,000 bytes: 16,000 bytes boot at 1600 of 2630 (39 % free).
    const v = checkMemory("smoke", puck, 16_000, [row]);
    expect(v.ok).toBe(false);
    expect(v.text).toMatch(
      /a 16000-byte smoke image does not leave PUCKJS enough memory: about 1600 of 2630 JsVars used after boot \(39 % free\)/,
    );
    expect(v.text).toContain("at least 40 % must stay free after boot and 25 % at the peak");
  });

  it("refuses an image whose alarm peak would leave under 25 % free", () => {
    const peaky = { ...row, alarmPeak: 2000 };
    const v = checkMemory("smoke", puck, 10_000, [peaky]);
    expect(v.ok).toBe(false);
    expect(v.text).toContain("2000 at the alarm peak (24 % free)");
  });

  it("refuses a pair nobody measured", () => {
    const v = checkMemory("charger", puck, 5000, [row]);
    expect(v.ok).toBe(false);
    expect(v.text).toMatch(
      /no measurement of a charger on PUCKJS on the real Espruino interpreter/,
    );
  });
});
