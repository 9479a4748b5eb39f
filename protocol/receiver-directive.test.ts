import { describe, expect, it } from "vitest";
import { TYPE_WAKE_PREAMBLE } from "./constants.js";
import { deframeAll, frameBytes } from "./framing.js";
import { readWakePreamble, wakePreambleDirective } from "./receiver-directive.js";

describe("receiver directives", () => {
  it("asks the receiver for a wake-up preamble in a frame its deframer passes, and reads it back", () => {
    const d = wakePreambleDirective(0xdeadbeef, 1020);
    expect(d[1]).toBe(TYPE_WAKE_PREAMBLE);
    const [frame] = deframeAll(frameBytes(d)).frames;
    expect(frame).toBeDefined();
    expect(readWakePreamble(frame!)).toBe(1020);
    expect(readWakePreamble(wakePreambleDirective(1, 70_000))).toBe(0xffff);
  });

  it("does not take an ordinary frame for a directive", () => {
    const d = wakePreambleDirective(1, 1020);
    d[1] = 0x83;
    expect(readWakePreamble(d)).toBeUndefined();
    expect(readWakePreamble(d.subarray(0, 12))).toBeUndefined();
  });
});
