import { describe, expect, it } from "vitest";
import { device, guardian, harness, siteFrom, summary } from "./testing.js";

/** Epoch ms of a local (UTC+8) time on day `d` of the test week. */
const local = (d: number, hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  return Date.UTC(2025, 0, 6 + d, h, m) - 480 * 60_000;
};

const daytime = siteFrom(`rules:
  - id: welfare
    kind: inactivity
    windows: [{ from: "07:00", to: "22:00", maxIdleS: 10800 }]
`);
const resident = device(0xd001, "guardian", { building: "b1", location: "301" });

describe("inactivity rule (guardian welfare, window-bounded idle)", () => {
  it("raises inside the window after the idle limit and clears when activity resumes", () => {
    const h = harness(daytime, [resident], local(0, "07:30"));
    h.send(resident, guardian(0), local(0, "08:00"));
    expect(h.tick(local(0, "10:59"))).toEqual([]);
    const actions = h.tick(local(0, "11:00"));
    expect(summary(actions)).toEqual(["raise welfare major 0000d001"]);
    expect(actions[0]).toMatchObject({
      evidence:
        "no door or motion activity at 0000d001 (b1/301) for 3.0 h inside the window (limit 3.0 h in 07:00-22:00); last activity 08:00 local time",
    });
    expect(h.tick(local(0, "12:00"))).toEqual([]);
    expect(summary(h.send(resident, guardian(60), local(0, "12:30")))).toEqual([
      "clear welfare 0000d001",
    ]);
  });

  it("does not count the night's sleep: the window's start resets the idle count", () => {
    const h = harness(daytime, [resident], local(0, "19:00"));
    h.send(resident, guardian(0), local(0, "20:00"));
    expect(h.tick(local(1, "07:00"))).toEqual([]);
    h.send(resident, guardian(11.9 * 3600), local(1, "07:54"));
    expect(h.tick(local(1, "09:59"))).toEqual([]);
    expect(summary(h.tick(local(1, "10:00")))).toEqual(["raise welfare major 0000d001"]);
  });

  it("handles a window that crosses midnight", () => {
    const night = siteFrom(`rules:
  - { id: night, kind: inactivity, windows: [{ from: "22:00", to: "06:00", maxIdleS: 14400 }] }
`);
    const h = harness(night, [resident], local(0, "20:00"));
    h.send(resident, guardian(0), local(0, "21:00"));
    expect(h.tick(local(1, "01:59"))).toEqual([]);
    expect(summary(h.tick(local(1, "02:00")))).toEqual(["raise welfare major 0000d001"]);
  });

  it("counts a sensor that has not reported since the gateway started from the start", () => {
    const h = harness(daytime, [resident], local(0, "08:00"));
    expect(h.tick(local(0, "10:59"))).toEqual([]);
    expect(summary(h.tick(local(0, "11:00")))).toEqual(["raise welfare major 0000d001"]);
    // Its first report says the last activity was before the start: still raised.
    expect(h.send(resident, guardian(13 * 3600), local(0, "11:01"))).toEqual([]);
  });

  it("takes an earlier last activity from the first report after a start", () => {
    const h = harness(daytime, [resident], local(0, "08:00"));
    h.send(resident, guardian(11.5 * 3600), local(0, "08:30"));
    expect(h.tick(local(0, "09:59"))).toEqual([]);
    expect(summary(h.tick(local(0, "10:00")))).toEqual(["raise welfare major 0000d001"]);
  });
});
