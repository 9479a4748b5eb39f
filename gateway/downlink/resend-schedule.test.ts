import { describe, expect, it } from "vitest";
import { ResendSchedule } from "./resend-schedule.js";

describe("ResendSchedule", () => {
  it("hands out only what is due, earliest first, whatever the order of pushes", () => {
    const s = new ResendSchedule<string>();
    const times = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1000);
    for (const [i, t] of times.entries()) s.push(t, i, `c${i}`);
    expect(s.popDue(-1)).toBeUndefined();
    const out: number[] = [];
    for (let now = 0; now < 1000; now += 37) {
      for (;;) {
        const d = s.popDue(now);
        if (!d) break;
        expect(d.at).toBeLessThanOrEqual(now);
        out.push(d.at);
      }
    }
    for (let d = s.popDue(1000); d; d = s.popDue(1000)) out.push(d.at);
    expect(out).toEqual([...times].sort((a, b) => a - b));
    expect(s.size()).toBe(0);
  });
});
