import { describe, expect, it } from "vitest";
import { DEFAULT_SMOKE } from "../../installer/device-defaults.js";
import { batteryLives, describeBatteryLife } from "../report/battery-life.js";
import {
  cellFor,
  detectorEnergy,
  formatLife,
  LITHIUM_C,
  lifeYears,
  TWO_AA,
  updateChargeMah,
} from "./energy.js";

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

  it("adds a wake-on-radio module's sniffs and wake-ups instead of windows, as computed by hand", () => {
    const e = detectorEnergy("PUCKJS", {
      ...duty,
      listenWindowMs: 1000,
      listenEveryS: 0,
      sniffEveryMs: 1000,
    })!;
    expect(e.listeningUa).toBe(0);
    // 3 ms at 4.6 mA per 1,000 ms sniff period, 1.2 µA asleep between sniffs.
    expect(e.sniffUa).toBeCloseTo(1.2 + (3 / 1000) * (4600 - 1.2), 0);
    expect(e.samplingUa).toBeCloseTo(((10 / 1000) * (6000 - 20)) / 10, 0);
    // 4 wake-ups a day: half a sniff period of preamble and the 31 ms frame on the
    // receiver, then a 1 s window (board 1 mA + receiver 4.6 mA).
    const wakeMaS = (0.5 + 0.03125) * 4.6 + 1 * (1 + 4.6 - 0.02);
    expect(e.wakeUa).toBeCloseTo(((4 * wakeMaS) / 86400) * 1000, 1);
    // 23-byte heartbeat at 40 + 6 mA and its 1 s window, every 4 h.
    const txUa = (((230 / 9600) * 46 + 1 * 5.6) / 14400) * 1000;
    expect(e.transmitUa).toBeCloseTo(txUa, 1);
    expect(e.totalUa).toBeCloseTo(41.9, 0);
    expect(e.years).toBeCloseTo((2500 * 0.85) / (e.totalUa / 1000) / 8766, 1);
    expect(e.years).toBeGreaterThan(5);
    // A twice longer sniff period halves the sniffs.
    const slow = detectorEnergy("PUCKJS", {
      ...duty,
      listenWindowMs: 1000,
      listenEveryS: 0,
      sniffEveryMs: 2000,
    })!;
    expect(slow.sniffUa).toBeCloseTo(1.2 + (e.sniffUa - 1.2) / 2, 0);
  });

  it("prices one firmware update: the session awake, the JavaScript per frame and the answers, as computed by hand", () => {
    const u = { awakeMs: 60_000, framesIn: 400, framesOut: 12, baud: 9600 };
    // PICO: 60 s x (11 + 4.6 - 0.02) mA + 400 x 20 ms x (32 - 11) mA + 12 x 41 B x 10 / 9600 s x (40 + 32) mA.
    const byHand = (60 * 15.58 + 8 * 21 + 0.5125 * 72) / 3600;
    expect(updateChargeMah("PICO", u)).toBeCloseTo(byHand, 6);
    expect(byHand).toBeCloseTo(0.3165, 3);
    // The Puck.js's nRF52 listens at 1 mA: far less.
    expect(updateChargeMah("PUCKJS", u)!).toBeLessThan(byHand / 2);
    expect(updateChargeMah("ESP32", u)).toBeUndefined();
  });

  it("puts a board under 5 years on 2 x AA on the smallest lithium cell that lasts 10", () => {
    const wor = { ...duty, listenWindowMs: 1000, listenEveryS: 0, sniffEveryMs: 1000 };
    const pico = detectorEnergy("PICO", wor)!;
    expect(pico.years).toBeLessThan(5);
    const best = cellFor(pico.totalUa);
    expect(best.cell).toBe(LITHIUM_C);
    expect(best.years).toBeCloseTo(lifeYears(pico.totalUa, LITHIUM_C), 5);
    expect(best.years).toBeGreaterThanOrEqual(10);
    expect(cellFor(41.9).cell).toBe(TWO_AA);
    expect(cellFor(5000).meets).toBe(false);
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
    const wor = batteryLives([
      { name: "d", board: "PICO", config: { ...config, wakeOnRadio: { sniffEveryMs: 1000 } } },
    ]);
    expect(wor[0]!.mode).toBe("wake-on-radio");
    expect(describeBatteryLife(wor[0]!)).toMatch(
      /^PICO wake-on-radio, sniff every 1000 ms: 3\.\d years on 2 x AA \(.* µA average\), 1\d\.\d years on a Li-SOCl2 C cell \(8\.5 Ah\), d$/,
    );
  });
});
