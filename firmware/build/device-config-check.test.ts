import { describe, expect, it } from "vitest";
import { getBoard } from "./boards.js";
import {
  checkDeviceConfig,
  checkKindAndBoard,
  checkRoles,
  formatIssue,
  resolvePins,
} from "./device-config-check.js";
import { fixtureDevice } from "./fixtures/fixture-images.js";

const charger = () => fixtureDevice("charger-pico.json");

function messages(data: unknown): string[] {
  const r = checkDeviceConfig(data);
  return r.ok ? [] : r.issues.map((i) => formatIssue("dev.json", i));
}

describe("checkDeviceConfig", () => {
  it("accepts the fixture devices", () => {
    for (const f of [
      "smoke-pico.json",
      "charger-pico.json",
      "guardian-pico.json",
      "beacon-device.json",
    ]) {
      expect(checkDeviceConfig(fixtureDevice(f)).ok).toBe(true);
    }
  });

  it("names the path and the value of a bad setting", () => {
    const d = charger();
    (d.charger as { portLimitW: number }).portLimitW = 5000;
    expect(messages(d)).toEqual(["dev.json: charger.portLimitW = 5000: must be <= 4095"]);
  });

  it("names a missing setting and an unknown one", () => {
    const { heartbeatS: _h, ...d } = { ...charger(), colour: "red" };
    expect(messages(d)).toEqual([
      "dev.json: heartbeatS = (missing): is required",
      'dev.json: colour = "red": is not a known setting',
    ]);
  });

  it("asks for the thresholds of the device's kind", () => {
    const { charger: _c, ...d } = charger();
    expect(messages(d)).toEqual(["dev.json: charger = (missing): is required"]);
  });

  it("lists the allowed values of an enum", () => {
    expect(messages({ ...charger(), link: { type: "uart", baud: 9601 } })).toEqual([
      "dev.json: link.baud = 9601: must be one of 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200",
    ]);
  });

  it("never echoes the key", () => {
    const [m] = messages({ ...charger(), key: "secretsecretsecretsecretsecretXX" });
    expect(m).toBe('dev.json: key = <32 characters>: must match pattern "^[0-9a-fA-F]{32}$"');
    expect(m).not.toContain("secret");
  });

  it("checks limits that depend on each other", () => {
    const d = charger();
    const c = d.charger as { shedRefuseW: number; shortCircuitW: number };
    c.shedRefuseW = 9000;
    c.shortCircuitW = 1000;
    expect(messages(d)).toEqual([
      "dev.json: charger.shedRefuseW = 9000: must not exceed charger.shedLimitW (8700)",
      "dev.json: charger.shortCircuitW = 1000: must be above charger.portLimitW (1100)",
    ]);
  });
});

describe("resolvePins", () => {
  it("maps roles to the board's pins", () => {
    const r = resolvePins(fixtureDevice("guardian-pico.json"), getBoard("PICO"));
    expect(r).toEqual({
      ok: true,
      pins: [
        { role: "battery", pin: "A1" },
        { role: "door", pin: "B4" },
        { role: "motion", pin: "B5" },
      ],
    });
  });

  it("names a pin the board does not have and a pin used twice", () => {
    const d = {
      ...fixtureDevice("guardian-pico.json"),
      pins: { battery: "A1", door: "D40", motion: "A1" },
    };
    const r = resolvePins(d, getBoard("PICO"));
    expect(r.ok).toBe(false);
    const text = r.ok ? [] : r.issues.map((i) => formatIssue("dev.json", i));
    expect(text).toEqual([
      'dev.json: pins.door = "D40": pin D40 does not exist on PICO (pins: A0-A10, A13-A15, B0-B15, LED1-LED2, BTN1)',
      "dev.json: pins.motion = \"A1\": pin A1 is already used by role 'battery'",
    ]);
  });
});

describe("checkRoles and checkKindAndBoard", () => {
  it("wants a relay and a meter pin per charger port", () => {
    const d = charger();
    delete d.pins.relay3;
    expect(checkRoles(d, getBoard("PICO")).map((i) => i.path)).toEqual(["pins.relay3"]);
  });

  it("wants analog roles on ADC pins", () => {
    const d = { ...fixtureDevice("guardian-pico.json"), pins: { battery: "B4", door: "B5" } };
    expect(checkRoles(d, getBoard("PICO"))).toEqual([
      expect.objectContaining({
        path: "pins.battery",
        value: "B4",
        message: expect.stringContaining("no ADC"),
      }),
    ]);
  });

  it("refuses a kind the board is not fit for, and a file of another kind", () => {
    const smoke = fixtureDevice("smoke-pico.json");
    expect(checkKindAndBoard(smoke, "smoke", getBoard("ESP32"))[0]?.message).toMatch(
      /board ESP32 does not support kind 'smoke'/,
    );
    expect(checkKindAndBoard(smoke, "charger", getBoard("PICO"))).toEqual([
      expect.objectContaining({ path: "kind", value: "smoke" }),
    ]);
  });
});
