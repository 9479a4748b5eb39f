import { describe, expect, it } from "vitest";
import { airtimeMs, RadioChannel } from "./radio-channel.js";

describe("radio channel airtime", () => {
  it("times a 30-byte frame at 9,600 baud as 31.25 ms", () => {
    expect(airtimeMs(30, 9600)).toBeCloseTo(31.25, 3);
  });

  it("queues a receiver's own transmissions one after the other and reports the wait", () => {
    const ch = new RadioChannel(9600);
    const a = ch.downlink(30, 1000);
    const b = ch.downlink(30, 1000);
    const c = ch.downlink(30, 1000);
    expect(b.startMs).toBeCloseTo(a.endMs, 6);
    expect(c.startMs).toBeCloseTo(1062.5, 6);
    expect(ch.stats.maxQueueMs).toBeCloseTo(62.5, 6);
    expect([a, b, c].some((t) => t.collided)).toBe(false);
  });

  it("loses both of two device frames that overlap, and a device frame over the receiver's own", () => {
    const ch = new RadioChannel(9600);
    const x = ch.uplink(30, 0);
    const y = ch.uplink(30, 20);
    const z = ch.uplink(30, 100);
    expect([x.collided, y.collided, z.collided]).toEqual([true, true, false]);
    const d = ch.downlink(30, 200);
    const u = ch.uplink(30, 210);
    expect([d.collided, u.collided]).toEqual([true, true]);
    expect(ch.stats.collisions).toBe(4);
  });

  it("sends one device's frames one after the other (an event and its telemetry at one instant), while two devices at one instant collide", () => {
    const ch = new RadioChannel(9600);
    const event = ch.uplink(30, 1000, 7);
    const telemetry = ch.uplink(40, 1000, 7);
    expect(telemetry.startMs).toBeCloseTo(event.endMs, 6);
    expect([event.collided, telemetry.collided]).toEqual([false, false]);
    const a = ch.uplink(30, 5000, 8);
    const b = ch.uplink(30, 5000, 9);
    expect([a.collided, b.collided]).toEqual([true, true]);
  });

  it("finds the busiest 10 s above 100 % when more is queued than the line carries", () => {
    const ch = new RadioChannel(9600);
    for (let i = 0; i < 400; i++) ch.downlink(30, 0);
    expect(ch.peakLoad(10)).toBeGreaterThan(1);
    const quiet = new RadioChannel(9600);
    quiet.uplink(30, 0);
    expect(quiet.peakLoad(10)).toBeCloseTo(31.25 / 10_000, 6);
  });

  it("carries a wake-up preamble before a downlink: a device frame over the preamble is lost, the downlink only over its frame", () => {
    const ch = new RadioChannel(9600);
    const d = ch.downlink(30, 0, 1020);
    expect(d.frameStartMs).toBe(1020);
    expect(d.endMs).toBeCloseTo(1051.25, 6);
    const overPreamble = ch.uplink(30, 500);
    expect([overPreamble.collided, d.collided]).toEqual([true, false]);
    const overFrame = ch.uplink(30, 1030);
    expect([overFrame.collided, d.collided]).toEqual([true, true]);
  });

  it("senses the channel for a device (busyUntil) and starts the receiver's downlink after a device frame already due", () => {
    const ch = new RadioChannel(9600);
    ch.downlink(30, 0, 1020);
    expect(ch.busyUntil(200, 30)).toBeCloseTo(1051.25, 6);
    expect(ch.busyUntil(2000, 30)).toBeUndefined();
    const up = ch.uplink(30, 3000);
    const down = ch.downlink(30, 2990, 1020);
    expect(down.startMs).toBeCloseTo(up.endMs, 6);
    expect([up.collided, down.collided]).toEqual([false, false]);
  });
});
