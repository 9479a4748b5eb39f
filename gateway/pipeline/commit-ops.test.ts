import { describe, expect, it } from "vitest";
import { deframeAll } from "../../protocol/framing.js";
import { framed, keyOf, smokeAlarmMsg, statusMsg } from "../testing/frames.js";
import type { AcceptedMessage } from "../types.js";
import { acceptedWorkOps, type FramesOp, framesToItems } from "./commit-ops.js";
import { toOutboxItem } from "./envelope.js";
import type { AcceptedWork } from "./pipeline.js";

const ID = { site: "s1", gateway: "g1" };

function work(dev: number, counter: number, msg = statusMsg(), withBytes = true): AcceptedWork {
  const bytes = deframeAll(framed(dev, counter, msg, keyOf(dev), 0)).frames[0]!;
  const message: AcceptedMessage = {
    deviceId: dev,
    deviceKind: "smoke",
    counter,
    flags: 0,
    msg: msg as AcceptedMessage["msg"],
    receivedAt: 1_700_000_000_000 + counter,
    receivers: [{ receiver: "serial:a", rssi: -60 }, { receiver: "serial:b" }],
  };
  return {
    message,
    ...(withBytes ? { frame: bytes } : {}),
    window: { deviceId: dev, highest: counter, maskLo: 1, maskHi: 0 },
  };
}

describe("accepted frames as commit ops", () => {
  it("builds on the worker the same envelopes the main thread would", () => {
    const placed = work(2, 9, smokeAlarmMsg());
    placed.message!.building = "b1";
    placed.message!.location = 'flat "7"';
    const shed = work(4, 3);
    shed.message!.shed = "shed-a";
    const batch = [work(1, 5), placed, work(1, 6), shed];
    const ops = acceptedWorkOps(batch, ID);
    const frames = ops.find((o) => o.kind === "frames") as FramesOp;
    // structured clone, as postMessage does
    const items = framesToItems(structuredClone(frames));
    expect(items).toEqual(batch.map((w) => toOutboxItem(w.message!, ID)));
    expect(JSON.parse(items[1]!.payload)).toMatchObject({ building: "b1", location: 'flat "7"' });
    expect(JSON.parse(items[3]!.payload)).toMatchObject({ shed: "shed-a" });
  });

  it("shares a device's placement and a lone receiver's list between frames, and keeps each frame's own", () => {
    const mqtt = (dev: number, counter: number) => {
      const w = work(dev, counter);
      w.message!.receivers = [{ receiver: "mqtt" }];
      w.message!.shed = `shed-${dev}`;
      return w;
    };
    const moved = mqtt(1, 8);
    moved.message!.shed = "shed-9";
    const batch = [mqtt(1, 5), mqtt(2, 5), mqtt(1, 6), work(3, 1), mqtt(1, 7), moved];
    const frames = acceptedWorkOps(batch, ID).find((o) => o.kind === "frames") as FramesOp;
    expect(frames.receiverLists).toHaveLength(2);
    expect(frames.placements).toEqual([{ shed: "shed-1" }, { shed: "shed-2" }, { shed: "shed-9" }]);
    expect(framesToItems(structuredClone(frames))).toEqual(
      batch.map((w) => toOutboxItem(w.message!, ID)),
    );
  });

  it("writes the newest window once per device, and messages without bytes as ready entries", () => {
    const batch = [
      work(1, 5),
      work(1, 6),
      work(3, 2, statusMsg(), false),
      { window: work(1, 7).window },
    ];
    const ops = acceptedWorkOps(batch, ID);
    const windows = ops.find((o) => o.kind === "windows");
    expect(windows).toEqual({
      kind: "windows",
      windows: [
        { deviceId: 1, highest: 7, maskLo: 1, maskHi: 0 },
        { deviceId: 3, highest: 2, maskLo: 1, maskHi: 0 },
      ],
    });
    expect(ops.find((o) => o.kind === "append")).toEqual({
      kind: "append",
      items: [toOutboxItem(batch[2]!.message!, ID)],
    });
    expect((ops.find((o) => o.kind === "frames") as FramesOp).ends).toHaveLength(2);
  });

  it("keeps guardian reports out of the outbox: they become local rows, pruned after 14 days", () => {
    const g = work(7, 4, {
      type: "guardian-activity",
      doorOpens: 1,
      motionCount: 5,
      idleS: 30,
      batteryMv: 2900,
    } as AcceptedMessage["msg"]);
    g.message!.deviceKind = "guardian";
    const batch = [work(1, 5), g, work(1, 6)];
    const ops = acceptedWorkOps(batch, ID);
    const frames = ops.find((o) => o.kind === "frames") as FramesOp;
    expect(frames.ends).toHaveLength(2);
    const items = framesToItems(structuredClone(frames));
    expect(items.map((i) => i.topic)).toEqual([
      toOutboxItem(batch[0]!.message!, ID).topic,
      toOutboxItem(batch[2]!.message!, ID).topic,
    ]);
    expect(items.some((i) => i.payload.includes("guardian-activity"))).toBe(false);
    const runs = ops.filter((o) => o.kind === "run");
    expect(runs[0]).toMatchObject({ rows: [[7, g.message!.receivedAt, 4, 1, 5, 30, 2900]] });
    expect(runs[1]).toMatchObject({ rows: [[g.message!.receivedAt - 14 * 24 * 3_600_000]] });
    // Counter windows still cover the guardian's frame.
    expect(ops.find((o) => o.kind === "windows")).toMatchObject({
      windows: expect.arrayContaining([{ deviceId: 7, highest: 4, maskLo: 1, maskHi: 0 }]),
    });
  });
});
