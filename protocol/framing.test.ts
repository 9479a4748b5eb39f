import { describe, expect, it } from "vitest";
import { fromHex } from "./bytes.js";
import { FRAME_FLAG, MAX_FRAME_LENGTH } from "./constants.js";
import { crc16 } from "./crc16.js";
import { Deframer, deframeAll, frameBytes } from "./framing.js";
import golden from "./golden-vectors.json" with { type: "json" };

const frames = golden.vectors.map((v) => fromHex(v.frameHex)!);
const collect = () => {
  const out: Uint8Array[] = [];
  const d = new Deframer((f) => out.push(f));
  return { d, out };
};
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

describe("CRC-16/CCITT-FALSE", () => {
  it("gives the catalogue check value for '123456789'", () => {
    expect(crc16(new TextEncoder().encode("123456789"))).toBe(0x29b1);
  });
});

describe("framing", () => {
  it("reassembles a frame split at every byte position", () => {
    for (const frame of frames) {
      const wire = frameBytes(frame);
      for (let cut = 1; cut < wire.length; cut++) {
        const { d, out } = collect();
        d.push(wire.subarray(0, cut));
        d.push(wire.subarray(cut));
        expect(out).toEqual([frame]);
      }
    }
  });

  it("delivers a frame fed one byte at a time", () => {
    const { d, out } = collect();
    for (const b of frameBytes(frames[3]!)) d.push(new Uint8Array([b]));
    expect(out).toEqual([frames[3]]);
  });

  it("finds two frames in one chunk", () => {
    const { d, out } = collect();
    d.push(cat(frameBytes(frames[0]!), frameBytes(frames[1]!)));
    expect(out).toEqual([frames[0], frames[1]]);
    expect(d.stats.frames).toBe(2);
  });

  it("skips and counts garbage before, between and after frames", () => {
    const { d, out } = collect();
    const garbage = new Uint8Array([1, 2, 3, 0x55, 0xaa]);
    d.push(cat(garbage, frameBytes(frames[0]!), garbage, frameBytes(frames[1]!), garbage));
    expect(out).toEqual([frames[0], frames[1]]);
    expect(d.stats.garbageBytes).toBe(10); // before the first flag, and the run between frames
  });

  it("rejects a bad CRC and recovers on the next frame", () => {
    const { d, out } = collect();
    const bad = frameBytes(frames[0]!);
    bad[5] = (bad[5] as number) ^ 0x01;
    d.push(cat(bad, frameBytes(frames[1]!)));
    expect(out).toEqual([frames[1]]);
    expect(d.stats.badCrc).toBe(1);
  });

  it("drops an oversize run and recovers", () => {
    const { d, out } = collect();
    const long = new Uint8Array(MAX_FRAME_LENGTH + 20).fill(0x11);
    d.push(cat(new Uint8Array([FRAME_FLAG]), long, frameBytes(frames[2]!)));
    expect(out).toEqual([frames[2]]);
    expect(d.stats.oversize).toBe(1);
  });

  it("escapes flag and escape bytes inside a frame", () => {
    const tricky = frames[frames.length - 1]!;
    const wire = frameBytes(tricky);
    expect(wire.subarray(1, wire.length - 1).includes(FRAME_FLAG)).toBe(false);
    expect(deframeAll(wire).frames).toEqual([tricky]);
  });

  it("counts a bad escape sequence and resynchronises", () => {
    const { d, out } = collect();
    d.push(cat(new Uint8Array([FRAME_FLAG, 1, 2, 0x7d, 0x00, 3, 4]), frameBytes(frames[0]!)));
    expect(out).toEqual([frames[0]]);
    expect(d.stats.badEscape).toBe(1);
  });
});
