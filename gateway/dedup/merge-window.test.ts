import { describe, expect, it } from "vitest";
import type { AcceptedMessage } from "../types.js";
import { MergeWindow, type RecentFrame } from "./merge-window.js";

function recent(deviceId: number, counter: number, at: number, committed = true): RecentFrame {
  const msg = {
    deviceId,
    deviceKind: "smoke",
    counter,
    flags: 0,
    msg: { type: "status" },
    receivedAt: at,
    receivers: [{ receiver: "serial:a" }],
  } as unknown as AcceptedMessage;
  const f = MergeWindow.entry(msg, new Uint8Array(20), at, false);
  if (committed) MergeWindow.committed(f);
  return f;
}

describe("MergeWindow", () => {
  it("finds a frame by device and counter, not another counter with the same low bits", () => {
    const w = new MergeWindow(5_000, 100);
    const f = recent(0xffffffff, 0x10005, 0);
    w.add(f, 0);
    expect(w.get(0xffffffff, 0x10005)).toBe(f);
    expect(w.get(0xffffffff, 0x20005)).toBeUndefined();
    expect(w.get(0xfffffffe, 0x10005)).toBeUndefined();
  });

  it("forgets committed frames after keepMs but keeps an uncommitted one, however old", () => {
    const w = new MergeWindow(1_000, 100);
    const waiting = recent(1, 1, 0, false);
    w.add(waiting, 0);
    w.add(recent(2, 1, 0), 0);
    w.add(recent(3, 1, 2_000), 2_000);
    // the uncommitted head blocks pruning by age (its ack waits for it)
    expect(w.get(1, 1)).toBe(waiting);
    expect(w.get(2, 1)).toBeDefined();
    MergeWindow.committed(waiting);
    w.add(recent(4, 1, 2_200), 2_200);
    expect(w.get(1, 1)).toBeUndefined();
    expect(w.get(2, 1)).toBeUndefined();
    expect(w.get(3, 1)).toBeDefined();
    expect(w.size()).toBe(2);
  });

  it("stays within its cap, dropping the oldest first", () => {
    const w = new MergeWindow(60_000, 50);
    for (let i = 0; i < 2_000; i++) w.add(recent(i % 7, i, i, i % 3 === 0), i);
    expect(w.size()).toBeLessThanOrEqual(50);
    expect(w.get(1999 % 7, 1999)).toBeDefined();
    expect(w.get(0, 0)).toBeUndefined();
    expect(w.evicted).toBe(2_000 - w.size());
  });

  it("merges receivers: a new receiver is added, a known one keeps its best RSSI", () => {
    const f = recent(1, 1, 0);
    expect(MergeWindow.merge(f, { receiver: "serial:b", rssi: -70 })).toBe(true);
    expect(MergeWindow.merge(f, { receiver: "serial:b", rssi: -60 })).toBe(false);
    expect(f.receivers).toEqual([{ receiver: "serial:a" }, { receiver: "serial:b", rssi: -60 }]);
  });

  it("merges into the message itself until the commit, then keeps only device, counter and receivers", () => {
    const w = new MergeWindow(5_000, 100);
    const f = recent(7, 42, 0, false);
    w.add(f, 0);
    const msg = f.msg!;
    expect(MergeWindow.merge(f, { receiver: "serial:b", rssi: -80 })).toBe(true);
    expect(msg.receivers.map((r) => r.receiver)).toEqual(["serial:a", "serial:b"]);
    MergeWindow.committed(f);
    // what only the committer needed is let go (about 8,000 committed entries at 5,000 frames/s)
    expect(f.msg).toBeUndefined();
    expect(f.frame).toBeUndefined();
    expect(f.committed).toBe(true);
    // a later copy still finds and merges into the committed entry
    expect(w.get(7, 42)).toBe(f);
    expect(MergeWindow.merge(f, { receiver: "serial:c" })).toBe(true);
    expect(MergeWindow.merge(f, { receiver: "serial:b", rssi: -90 })).toBe(false);
    expect(f.receivers.map((r) => r.receiver)).toEqual(["serial:a", "serial:b", "serial:c"]);
  });
});
