import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encodeFrame } from "../../protocol/codec.js";
import { deframeAll, frameBytes } from "../../protocol/framing.js";
import { createRng } from "../physics/prng.js";
import { DEFAULT_RADIO, LBT_BACKOFF_MS, RadioMedium } from "./radio-medium.js";
import { Rs485Bus } from "./rs485-bus.js";

const hmac = (k: Uint8Array, d: Uint8Array) =>
  new Uint8Array(createHmac("sha256", k).update(d).digest());
const key = new Uint8Array(16).fill(7);
const framed = frameBytes(
  encodeFrame(
    {
      deviceId: 0x1234,
      counter: 1,
      flags: 0,
      msg: { type: "guardian-activity", doorOpens: 1, motionCount: 2, idleS: 3, batteryMv: 3000 },
    },
    key,
    hmac,
  ),
);

describe("radio medium", () => {
  it("makes a device listen before it talks: its frame waits for a receiver's preamble and frame, then arrives whole", () => {
    const radio = new RadioMedium(
      [{ id: "rx-a", lossRate: 0 }],
      { ...DEFAULT_RADIO, airtimeBaud: 9600 },
      createRng(3),
    );
    const down = radio.downlink("rx-a", [0x1234], framed, 1000, 1020);
    const downEnd = down[0]!.airtime!.endMs;
    expect(downEnd).toBeGreaterThan(2020);
    const [up] = radio.transmit(0x1234, framed, 1500);
    expect(up!.airtime!.startMs).toBeGreaterThanOrEqual(downEnd);
    expect(up!.airtime!.startMs).toBeLessThanOrEqual(downEnd + LBT_BACKOFF_MS);
    expect([up!.airtime!.collided, down[0]!.airtime!.collided]).toEqual([false, false]);
  });

  it("delivers one copy per receiver in range, after the latency", () => {
    const radio = new RadioMedium(
      [
        { id: "rx-a", lossRate: 0 },
        { id: "rx-b", lossRate: 0 },
        { id: "rx-c", lossRate: 0, hears: new Set([0x9999]) },
      ],
      DEFAULT_RADIO,
      createRng(1),
    );
    const d = radio.transmit(0x1234, framed, 1000);
    expect(d.map((x) => x.to).sort()).toEqual(["rx-a", "rx-b"]);
    expect(d.every((x) => x.atMs >= 1000 + DEFAULT_RADIO.latencyMs)).toBe(true);
    expect(deframeAll(d[0]!.bytes).frames.length).toBe(1);
  });

  it("loses nothing through a receiver that is down and corrupts at the set rate", () => {
    const radio = new RadioMedium([{ id: "rx-a", lossRate: 0 }], DEFAULT_RADIO, createRng(2));
    radio.faults.get("rx-a")!.down = true;
    expect(radio.transmit(0x1234, framed, 0)).toEqual([]);
    radio.faults.get("rx-a")!.down = false;
    radio.faults.get("rx-a")!.corruptRate = 1;
    const d = radio.transmit(0x1234, framed, 0);
    expect(d[0]!.corrupted).toBe(true);
    const r = deframeAll(d[0]!.bytes);
    expect(r.frames.length).toBe(0);
  });

  it("drops about the configured share of frames and duplicates, reorders as set", () => {
    const radio = new RadioMedium([{ id: "rx-a", lossRate: 0.3 }], DEFAULT_RADIO, createRng(3));
    let n = 0;
    for (let i = 0; i < 1000; i++) n += radio.transmit(1, framed, i).length;
    expect(n).toBeGreaterThan(600);
    expect(n).toBeLessThan(800);
    const dupes = new RadioMedium(
      [{ id: "rx-a", lossRate: 0 }],
      { ...DEFAULT_RADIO, duplicateRate: 1, reorderRate: 0.5 },
      createRng(4),
    );
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const d = dupes.transmit(1, framed, i * 100);
      expect(d.length).toBe(2);
      times.push(d[0]!.atMs);
    }
    const sorted = [...times].sort((a, b) => a - b);
    expect(times).not.toEqual(sorted); // some frames overtaken by later ones
  });
});

describe("RS-485 bus", () => {
  it("garbles both of two overlapping transmissions of different nodes for every listener", () => {
    const bus = new Rs485Bus("bus-1", 9600, createRng(5));
    const a = bus.transmit(1, framed, 0)!;
    const b = bus.transmit("gateway", framed, 5)!;
    expect(a.airtime.collided && b.airtime.collided).toBe(true);
    expect(bus.stats.collisions).toBe(2);
    expect(deframeAll(bus.heard(a)).frames).toHaveLength(0);
    expect(bus.heard(a)).toBe(bus.heard(a)); // every listener hears the same garble
    const c = bus.transmit(1, framed, 1000)!;
    expect(c.airtime.collided).toBe(false);
    expect(c.airtime.endMs - c.airtime.startMs).toBeCloseTo(framed.length * (10_000 / 9600), 6);
    expect(deframeAll(bus.heard(c)).frames).toHaveLength(1);
  });

  it("sends a node's own frames one after the other, never over each other", () => {
    const bus = new Rs485Bus("bus-1", 9600, createRng(6));
    const a = bus.transmit(7, framed, 0)!;
    const b = bus.transmit(7, framed, 0)!;
    expect(b.airtime.startMs).toBeCloseTo(a.airtime.endMs, 6);
    expect(a.airtime.collided || b.airtime.collided).toBe(false);
    const g1 = bus.transmit("gateway", framed, 500)!;
    const g2 = bus.transmit("gateway", framed, 500)!;
    expect(g2.airtime.startMs).toBeCloseTo(g1.airtime.endMs, 6);
    expect(bus.stats.collisions).toBe(0);
  });
});
