import { describe, expect, it } from "vitest";
import { RejectBurst } from "./reject-burst.js";

describe("RejectBurst", () => {
  const o = { threshold: 5, windowS: 60, quietS: 300 };

  it("raises one security alarm for a burst of forged frames and clears it after a quiet period", () => {
    const b = new RejectBurst(o);
    const t = 1_000_000;
    const raised = [];
    for (let i = 0; i < 12; i++)
      raised.push(...b.note(7, i % 3 ? "bad-mac" : "replayed", t + i * 1000));
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ type: "raise-alarm", kind: "security", deviceId: 7 });
    expect((raised[0] as { evidence: string }).evidence).toContain("bad-mac");
    expect(b.tick(t + 100_000)).toEqual([]);
    expect(b.tick(t + 12_000 + 300_000)).toEqual([
      { type: "clear-alarm", kind: "security", deviceId: 7, rule: "security-burst" },
    ]);
  });

  it("does not alarm on a few scattered rejections", () => {
    const b = new RejectBurst(o);
    const out = [];
    for (let i = 0; i < 20; i++) out.push(...b.note(7, "bad-mac", i * 61_000));
    expect(out).toEqual([]);
  });

  it("keeps state for a bounded number of devices", () => {
    const b = new RejectBurst({ ...o, maxDevices: 100 });
    for (let i = 0; i < 10_000; i++) b.note(i, "bad-mac", i);
    expect(b.size()).toBe(100);
  });
});
