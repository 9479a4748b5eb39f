import { describe, expect, it } from "vitest";
import {
  acceptCounter,
  type CounterWindow,
  checkCounter,
  emptyWindow,
  reserveCounterBlock,
} from "./counter-window.js";

function feed(counters: number[]): { window: CounterWindow; verdicts: string[] } {
  let w = emptyWindow();
  const verdicts: string[] = [];
  for (const c of counters) {
    const v = checkCounter(w, c);
    verdicts.push(v);
    if (v === "ok") w = acceptCounter(w, c);
  }
  return { window: w, verdicts };
}

describe("counter window", () => {
  it.each([
    ["first frame of a device", [0], ["ok"]],
    ["in order", [1, 2, 3], ["ok", "ok", "ok"]],
    ["retransmission of the same counter", [5, 5], ["ok", "duplicate"]],
    ["late but inside the window", [10, 12, 11], ["ok", "ok", "ok"]],
    ["late copy after the late frame", [10, 12, 11, 11], ["ok", "ok", "ok", "duplicate"]],
    ["exactly 63 behind and unseen", [100, 37], ["ok", "ok"]],
    ["64 behind is a replay", [100, 36], ["ok", "replay"]],
    ["a jump of 32 keeps history", [1, 33, 1], ["ok", "ok", "duplicate"]],
    ["a jump of 40 keeps history", [1, 41, 1, 2], ["ok", "ok", "duplicate", "ok"]],
    ["a jump past the window forgets", [1, 200, 1], ["ok", "ok", "replay"]],
    ["near the 32-bit top", [0xfffffff0, 0xffffffff, 0xfffffff0], ["ok", "ok", "duplicate"]],
  ])("%s", (_name, counters, expected) => {
    expect(feed(counters).verdicts).toEqual(expected);
  });

  it("remembers every one of the last 64 counters", () => {
    const all = Array.from({ length: 64 }, (_, i) => i + 1000);
    const { window } = feed(all);
    for (const c of all) expect(checkCounter(window, c)).toBe("duplicate");
    expect(checkCounter(window, 999)).toBe("replay");
    expect(checkCounter(window, 1064)).toBe("ok");
  });

  it("reserves counter blocks so a reboot never reuses a counter", () => {
    // Boot 1: nothing stored. The device reserves [0, 256) and persists 256.
    const boot1 = reserveCounterBlock(0, 256);
    expect(boot1).toEqual({ next: 0, reserveUpTo: 256 });
    // It sends counters 0..99 and reboots. Boot 2 starts at the persisted mark.
    const boot2 = reserveCounterBlock(boot1.reserveUpTo, 256);
    expect(boot2.next).toBe(256);
    expect(boot2.next).toBeGreaterThan(99);
  });
});
