import { describe, expect, it } from "vitest";
import { FRAME_FLAG } from "../../protocol/constants.js";
import { deviceGapMs, maxFrameMs } from "../../protocol/line-access.js";
import { FakeHal } from "../hal/fake-hal.js";
import { useBusAccess } from "./bus-access.js";

const B = 9600;
const frame = (n: number) =>
  new Uint8Array([FRAME_FLAG, ...new Uint8Array(n).fill(0x41), FRAME_FLAG]);

function bus(random = 0) {
  const hal = new FakeHal([]);
  hal.setRandom(random);
  useBusAccess(hal, B);
  const heard: Uint8Array[] = [];
  hal.onReceive((b) => heard.push(b));
  return { hal, heard };
}

describe("bus access (listen before talk)", () => {
  it("sends after the device gap when the line is quiet, and passes what it hears to the link", () => {
    const { hal, heard } = bus();
    hal.send(frame(20));
    expect(hal.sent).toHaveLength(0);
    hal.advance(Math.ceil(deviceGapMs(B)));
    expect(hal.sent).toHaveLength(1);
    hal.inject(frame(5));
    expect(heard).toHaveLength(1);
  });

  it("holds its frame while someone else's frame is on the line and sends after it and the gap", () => {
    const { hal } = bus();
    hal.advance(100);
    hal.inject(new Uint8Array([FRAME_FLAG])); // someone started talking
    hal.send(frame(20));
    hal.advance(40);
    expect(hal.sent).toHaveLength(0);
    hal.inject(new Uint8Array([...new Uint8Array(40).fill(0x42), FRAME_FLAG])); // ... and ended
    hal.advance(2);
    expect(hal.sent).toHaveLength(0);
    hal.advance(Math.ceil(deviceGapMs(B)) + 1);
    expect(hal.sent).toHaveLength(1);
  });

  it("sends a burst of frames queued together back to back, after one wait", () => {
    const { hal } = bus();
    hal.send(frame(20));
    hal.send(frame(30));
    hal.advance(10);
    expect(hal.sent.map((f) => f.length)).toEqual([22, 32]);
  });

  it("draws a new random backoff when someone talks while it waits", () => {
    const { hal } = bus(0.99);
    hal.send(frame(20));
    // The backoff is up to 32 slots of 3 characters (about 100 ms at 9,600 baud).
    hal.advance(40);
    hal.inject(frame(10)); // another charger won the line
    hal.advance(70);
    expect(hal.sent).toHaveLength(0);
    hal.advance(60);
    expect(hal.sent).toHaveLength(1);
  });

  it("never holds a frame for ever: a line jammed by noise still carries a cut report within 2 s", () => {
    const { hal } = bus();
    hal.send(frame(20));
    for (let t = 0; t < 2500 && hal.sent.length === 0; t += 3) {
      hal.inject(new Uint8Array([0x55])); // noise, byte after byte
      hal.advance(3);
    }
    expect(hal.sent).toHaveLength(1);
    expect(hal.timeMs).toBeLessThan(2000 + maxFrameMs(B) + 60);
  });
});
