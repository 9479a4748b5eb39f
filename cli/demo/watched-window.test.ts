import { describe, expect, it } from "vitest";
import { minutesOf, windowStartAt } from "../../gateway/rules/welfare/local-time.js";
import { watchedWindow } from "./start-demo.js";

const CST = 480;
const HOUR = 3_600_000;

describe("the demo's watched resident", () => {
  it.each([
    ["one minute before local midnight", Date.UTC(2026, 11, 4, 15, 59, 30)],
    ["at local midnight", Date.UTC(2026, 11, 4, 16, 0, 0)],
    ["at noon", Date.UTC(2026, 11, 4, 4, 0, 0)],
  ])(
    "is watched without a restart of the idle count for the first 23 hours of a demo started %s",
    (_, startedAt) => {
      const w = watchedWindow(startedAt, CST, { watchedMaxIdleS: 60 });
      expect(w.maxIdleS).toBe(60);
      const from = minutesOf(w.from);
      const to = minutesOf(w.to);
      const first = windowStartAt(from, to, startedAt, CST);
      expect(first).toBeDefined();
      expect(first!).toBeLessThanOrEqual(startedAt);
      for (let t = startedAt; t <= startedAt + 23 * HOUR; t += 60_000)
        expect(windowStartAt(from, to, t, CST)).toBe(first);
    },
  );
});
