import { describe, expect, it } from "vitest";
import {
  channelLoad,
  copiesPerWindow,
  frameTimeMs,
  groupChannelLoad,
  groupResendIntervalMs,
  maxDetectorsPerLine,
  missProbability,
  resendIntervalMs,
  retargetAfterMs,
  wakePreambleMs,
  worChannelLoad,
  worMissProbability,
  worRetargetAfterMs,
  worRoundIntervalMs,
} from "./interlink-budget.js";

const SIM = { listenWindowMs: 1000, listenEveryS: 5 };

describe("interlink budget", () => {
  it("times a 30-byte sounding frame at 9,600 baud as 31.25 ms", () => {
    expect(frameTimeMs(30, 9600)).toBeCloseTo(31.25, 2);
  });

  it("resends often enough for a whole copy inside every window, never faster than a frame", () => {
    const r = resendIntervalMs(1000, 9600);
    expect(r).toBe(817);
    expect(r + frameTimeMs(30, 9600) + 20 + 100).toBeLessThanOrEqual(1000);
    expect(resendIntervalMs(100, 9600)).toBe(32);
    expect(copiesPerWindow(SIM, r, 9600)).toBe(2);
  });

  it("gives the worst-phase chance that a detector has not heard within 10 s at 30 % loss", () => {
    // Windows every 5 s: the worst phase gets 2 windows in 10 s, 2 copies each: 0.3^4.
    expect(missProbability(SIM, 0.3, 10_000, 9600)).toBeCloseTo(0.3 ** 4, 10);
    expect(
      missProbability({ listenWindowMs: 1000, listenEveryS: 3 }, 0.3, 10_000, 9600),
    ).toBeCloseTo(0.3 ** 6, 10);
    expect(missProbability(SIM, 0.3, 3000, 9600)).toBe(1);
  });

  it("finds the resend rounds of a 40-detector building over a 9,600-baud line's capacity", () => {
    expect(maxDetectorsPerLine(SIM, 9600)).toBe(31);
    const one = channelLoad(31, SIM, 9600);
    expect(one.fits).toBe(true);
    const forty = channelLoad(40, SIM, 9600);
    expect(forty.roundMs).toBeCloseTo(1250, 0);
    expect(forty.load).toBeGreaterThan(1.5);
    expect(forty.fits).toBe(false);
    expect(channelLoad(80, SIM, 115200).fits).toBe(true);
  });

  it("repeats the group frame three times per window and keeps two burning buildings of 40 under half a 9,600-baud line", () => {
    const r = groupResendIntervalMs(1000, 9600);
    expect(r).toBe(272);
    expect(3 * r + 2 * frameTimeMs(30, 9600) + 120).toBeLessThanOrEqual(1000);
    const two = groupChannelLoad(2, 40, SIM, 9600);
    expect(two.groupLoad).toBeCloseTo((2 * 31.25) / 272, 3);
    expect(two.ackLoad).toBeCloseTo((80 * 29.17) / 10_000, 2);
    expect(two.load).toBeLessThan(0.5);
    // The group frames do not grow with the building; the per-detector rounds did (306 %).
    expect(groupChannelLoad(2, 400, SIM, 9600).groupLoad).toBe(two.groupLoad);
    expect(channelLoad(80, SIM, 9600).load).toBeGreaterThan(3);
  });

  it("re-targets a silent member after three listening periods and a window", () => {
    expect(retargetAfterMs(SIM)).toBe(16_000);
  });

  it("gives wake-on-radio detectors a round every preamble + 1.5 s, heard by every detector that does not lose it", () => {
    expect(wakePreambleMs(1000)).toBe(1020);
    expect(worRoundIntervalMs(1000)).toBe(2520);
    // Rounds arrive at 1.05, 3.57, 6.09 and 8.61 s: four within 10 s, 0.3 each on one receiver.
    expect(worMissProbability(1000, 0.3, 10_000, 9600)).toBeCloseTo(0.3 ** 4, 10);
    expect(worMissProbability(1000, 0.3, 10_000, 9600, 3)).toBeCloseTo(0.3 ** 12, 14);
    expect(worMissProbability(1000, 0.3, 1000, 9600)).toBe(1);
    // One preamble per round for both buildings, then three copies of each one's frame.
    const two = worChannelLoad(2, 40, 1000, 9600);
    expect(two.roundMs).toBeCloseTo(1020 + 2 * 3 * 31.25, 2);
    expect(two.groupLoad).toBeCloseTo(two.roundMs / 2520, 5);
    expect(two.slowGroupLoad).toBeCloseTo(two.roundMs / 5040, 5);
    // One group ack per detector, no gateway ack, spread over 20 s.
    expect(two.ackLoad).toBeCloseTo((80 * frameTimeMs(28, 9600)) / 20_000, 5);
    // The budget the issue asks for: a whole site's worst moment stays under the line.
    expect(two.load).toBeCloseTo(0.479 + 0.117, 2);
    expect(two.load).toBeLessThan(0.8);
    // The rounds do not grow with the buildings; the acknowledgements do (a building of 120 still fits).
    expect(worChannelLoad(2, 400, 1000, 9600).groupLoad).toBe(two.groupLoad);
    expect(worChannelLoad(2, 120, 1000, 9600).load).toBeLessThan(1);
    expect(worRetargetAfterMs(1000)).toBe(20_000 + 2 * 5040);
  });
});
