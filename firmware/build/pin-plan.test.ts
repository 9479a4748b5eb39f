import { describe, expect, it } from "vitest";
import { DEFAULT_CHARGER } from "../../installer/device-defaults.js";
import type { DeviceConfig } from "../device-config.js";
import { getBoard } from "./boards.js";
import { checkRoles, resolvePins } from "./device-config-check.js";
import { planPins } from "./pin-plan.js";

function charger(ports: number, pins: Record<string, string>): DeviceConfig {
  return {
    deviceId: 1,
    kind: "charger",
    key: "00".repeat(16),
    heartbeatS: 300,
    listenWindowMs: 0,
    link: { type: "uart", baud: 9600 },
    pins,
    charger: { ...DEFAULT_CHARGER, ports },
  };
}

describe("pin plan", () => {
  it("puts a 4-port charger's meters on their own ADC pins on the Pico, with comparators", () => {
    const plan = planPins("charger", getBoard("PICO"), 4, { shorts: true });
    if (!plan.ok) throw new Error(plan.reason);
    expect(plan.pins.power3).toBeDefined();
    expect(plan.pins.short3).toBeDefined();
    expect(plan.pins.mux).toBeUndefined();
    expect(getBoard("PICO").analogPins).toContain(plan.pins.power0);
  });

  it("reads a 12-port ESP32 charger's meters through a multiplexer, and the build accepts it", () => {
    const esp32 = getBoard("ESP32");
    const plan = planPins("charger", esp32, 12, { shorts: true });
    if (!plan.ok) throw new Error(plan.reason);
    expect(plan.pins.power0).toBeUndefined();
    expect(esp32.analogPins).toContain(plan.pins.mux);
    for (const r of ["muxS0", "muxS1", "muxS2", "muxS3", "relay11", "temp"])
      expect(plan.pins[r]).toBeDefined();
    const config = charger(12, plan.pins);
    expect(resolvePins(config, esp32).ok).toBe(true);
    expect(checkRoles(config, esp32)).toEqual([]);
  });

  it("the build refuses a muxed charger without its select lines", () => {
    const plan = planPins("charger", getBoard("ESP32"), 12);
    if (!plan.ok) throw new Error(plan.reason);
    const { muxS2: _gone, ...pins } = plan.pins;
    const issues = checkRoles(charger(12, pins), getBoard("ESP32"));
    expect(issues.map((i) => i.path)).toEqual(["pins.muxS2"]);
  });

  it("says why a kind does not fit a board", () => {
    const plan = planPins("charger", getBoard("ESP8266"), 12);
    expect(plan.ok).toBe(false);
    if (!plan.ok) expect(plan.reason).toMatch(/needs 2 analog inputs .* but ESP8266 has 1/);
  });
});
