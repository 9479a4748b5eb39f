import { describe, expect, it } from "vitest";
import { DEFAULT_SMOKE } from "../../installer/device-defaults.js";
import { batteryLives, describeBatteryLife } from "../report/battery-life.js";
import { detectorEnergy, formatLife } from "./energy.js";

const duty = { sampleIntervalS: 10, heartbeatS: 4 * 3600, baud: 9600 };

describe("detector energy model", () => {
  it("adds sleep, sampling, listening, transmissions and the sounder into an average current", () => {
    const e = detectorEnergy("PICO", { ...duty, listenWindowMs: 1000, listenEveryS: 5 })!;
    // 20 % of the time awake with the UART (11 mA) and the radio receiving (12 mA).
    expect(e.listeningUa).toBeCloseTo(0.2 * (11 + 12 - 0.02) * 1000, 0);
    expect(e.samplingUa).toBeCloseTo(32, 0);
    expect(e.sleepUa).toBe(20);
    expect(e.totalUa).toBeCloseTo(
      e.sleepUa + e.samplingUa + e.listeningUa + e.transmitUa + e.sounderUa,
      0,
    );
    expect(e.years).toBeLessThan(0.1);
  });

  it("lasts longer with shorter windows, and only mains-less boards have a battery figure", () => {
    const long = detectorEnergy("PUCKJS", { ...duty, listenWindowMs: 100, listenEveryS: 60 })!;
    const short = detectorEnergy("PUCKJS", { ...duty, listenWindowMs: 1000, listenEveryS: 5 })!;
    expect(long.years).toBeGreaterThan(5);
    expect(short.years).toBeLessThan(long.years / 10);
    expect(
      detectorEnergy("ESP32", { ...duty, listenWindowMs: 1000, listenEveryS: 5 }),
    ).toBeUndefined();
  });

  it("words a life for people and groups detectors of one board and schedule in summaries", () => {
    expect(formatLife(5.123)).toBe("5.1 years");
    expect(formatLife(3 / 52.18)).toBe("3 weeks");
    const config = {
      deviceId: 1,
      kind: "smoke" as const,
      key: "00",
      heartbeatS: 3600,
      listenWindowMs: 1000,
      link: { type: "uart" as const, baud: 9600 },
      pins: {},
      smoke: DEFAULT_SMOKE,
    };
    const lives = batteryLives([
      { name: "a", board: "PICO", config },
      { name: "b", board: "PICO", config },
      { name: "c", board: "PUCKJS", config },
    ]);
    expect(lives.map((l) => [l.board, l.devices.length])).toEqual([
      ["PICO", 2],
      ["PUCKJS", 1],
    ]);
    expect(describeBatteryLife(lives[0]!)).toMatch(
      /^PICO listening 1000 ms every 5 s: .* on 2 x AA .*2 detectors$/,
    );
  });
});
