import { describe, expect, it } from "vitest";
import { FRAME_FLAG } from "./constants.js";
import {
  charMs,
  deviceGapMs,
  gatewayGapMs,
  lineClearAtMs,
  lineHeard,
  maxFrameMs,
  newLineSense,
} from "./line-access.js";

const B = 9600;
const body = (n: number) => new Uint8Array(n).fill(0x41);
const flag = new Uint8Array([FRAME_FLAG]);

describe("line access (shared half-duplex bus)", () => {
  it("waits 3.5 characters of silence (Modbus t3.5, 1.75 ms above 19,200 baud); devices wait longer", () => {
    expect(gatewayGapMs(9600)).toBeCloseTo(3.5 * charMs(9600), 9);
    expect(gatewayGapMs(115200)).toBe(1.75);
    expect(deviceGapMs(9600)).toBeGreaterThan(gatewayGapMs(9600));
  });

  it("is clear at once on a line never heard", () => {
    expect(lineClearAtMs(newLineSense(), 100, gatewayGapMs(B), B)).toBe(100);
  });

  it("is busy while a frame is open and clear a gap after its closing flag", () => {
    const s = newLineSense();
    lineHeard(s, flag, 1000, B);
    // The opening flag alone: someone is talking, its end is not known yet.
    expect(lineClearAtMs(s, 1001, gatewayGapMs(B), B)).toBeCloseTo(1000 + maxFrameMs(B), 9);
    const rest = new Uint8Array([...body(30), FRAME_FLAG]);
    lineHeard(s, rest, 1032, B);
    expect(lineClearAtMs(s, 1032, gatewayGapMs(B), B)).toBeCloseTo(1032 + gatewayGapMs(B), 9);
    expect(lineClearAtMs(s, 1040, gatewayGapMs(B), B)).toBe(1040);
  });

  it("sees back-to-back frames (a shared flag between them) as one open line until the last closes", () => {
    const s = newLineSense();
    lineHeard(s, new Uint8Array([FRAME_FLAG, ...body(10), FRAME_FLAG, FRAME_FLAG]), 0, B);
    expect(s.inFrame).toBe(true);
    lineHeard(s, new Uint8Array([...body(10), FRAME_FLAG]), 20, B);
    expect(s.inFrame).toBe(false);
  });

  it("stops waiting for a frame whose closing flag was lost after the longest frame's airtime", () => {
    const s = newLineSense();
    lineHeard(s, new Uint8Array([FRAME_FLAG, ...body(5)]), 0, B);
    const giveUp = maxFrameMs(B);
    expect(lineClearAtMs(s, 10, gatewayGapMs(B), B)).toBeCloseTo(giveUp, 9);
    expect(lineClearAtMs(s, giveUp + 1, gatewayGapMs(B), B)).toBe(giveUp + 1);
    // And the next frame after that silence is read in step again.
    lineHeard(s, new Uint8Array([FRAME_FLAG, ...body(5), FRAME_FLAG]), giveUp + 50, B);
    expect(s.inFrame).toBe(false);
  });
});
