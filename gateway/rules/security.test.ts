import { describe, expect, it } from "vitest";
import type { DropReason } from "../types.js";
import { device, harness, siteFrom, summary, T0 } from "./testing.js";

const site = siteFrom(
  "rules:\n  - { id: forged, kind: security, count: 3, windowS: 10, quietS: 60 }\n",
);
const detector = device(0xa001, "smoke");

describe("security rule (bursts of rejected frames)", () => {
  it("raises on a burst within the window, once, and clears after a quiet spell", () => {
    const h = harness(site, [detector]);
    const reject = (s: number, reason: DropReason = "bad-mac") => {
      const r = h.engine.onRejected(h.state, 0xa001, reason, T0 + s * 1000);
      h.state = r.state;
      return r.actions;
    };
    expect(reject(0)).toEqual([]);
    expect(reject(11)).toEqual([]);
    expect(reject(12, "replayed")).toEqual([]);
    const actions = reject(13);
    expect(summary(actions)).toEqual(["raise security major 0000a001"]);
    expect(actions[0]).toMatchObject({
      evidence: "3 frames claiming to be 0000a001 rejected within 2 s (bad-mac 2, replayed 1)",
    });
    expect(reject(14)).toEqual([]);
    expect(h.tick(T0 + 70_000)).toEqual([]);
    expect(summary(h.tick(T0 + 75_000))).toEqual(["clear security 0000a001"]);
  });

  it("ignores reasons it does not count", () => {
    const h = harness(site, [detector]);
    for (let i = 0; i < 10; i++) {
      expect(h.engine.onRejected(h.state, 0xa001, "duplicate", T0 + i).actions).toEqual([]);
    }
  });
});
