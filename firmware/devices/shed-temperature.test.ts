import { describe, expect, it } from "vitest";
import { TEMP_INVALID_DECI_C } from "../../protocol/constants.js";
import { createShedTemperature, ntcDeciC, ntcFraction } from "./shed-temperature.js";

describe("NTC conversion", () => {
  it("reads 25 °C at half scale and round-trips -30..120 °C within 0.1 °C", () => {
    expect(ntcDeciC(0.5)).toBe(250);
    for (let d = -300; d <= 1200; d += 50)
      expect(Math.abs(ntcDeciC(ntcFraction(d)) - d)).toBeLessThanOrEqual(1);
  });

  it("treats readings at the rails as open or shorted, not as temperatures", () => {
    expect(ntcDeciC(0)).toBe(TEMP_INVALID_DECI_C);
    expect(ntcDeciC(1)).toBe(TEMP_INVALID_DECI_C);
  });
});

describe("shed temperature plausibility", () => {
  it("holds back a jump until it persists on one side for three readings", () => {
    const t = createShedTemperature();
    t.update(ntcFraction(250));
    t.update(ntcFraction(800));
    t.update(ntcFraction(810));
    expect(t.deciC).toBe(250);
    t.update(ntcFraction(820));
    expect(Math.abs(t.deciC - 820)).toBeLessThanOrEqual(1);
  });

  it("never accepts a contact that rattles between two values", () => {
    const t = createShedTemperature();
    t.update(ntcFraction(250));
    for (let i = 0; i < 20; i++) t.update(ntcFraction(i % 2 ? 900 : -200));
    expect(t.deciC).toBe(250);
    expect(t.rejected).toBe(20);
  });

  it("declares a fault after three rail readings and recovery at the next good one", () => {
    const t = createShedTemperature();
    t.update(ntcFraction(250));
    expect(t.update(1)).toBe(0);
    expect(t.update(1)).toBe(0);
    expect(t.update(1)).toBe(1);
    expect(t.faulted).toBe(true);
    expect(t.deciC).toBe(TEMP_INVALID_DECI_C);
    expect(t.update(1)).toBe(0);
    expect(t.update(ntcFraction(300))).toBe(-1);
    expect(t.faulted).toBe(false);
    expect(Math.abs(t.deciC - 300)).toBeLessThanOrEqual(1);
  });
});
