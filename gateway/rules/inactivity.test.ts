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
    windows: [{ from: "07:00", to: "22:00", maxIdleS: 43200 }]
`);
const resident = device(0xd001, "guardian", { building: "b1", location: "301" });

describe("inactivity rule (guardian welfare)", () => {
  it("raises inside the window after the idle limit and clears when activity resumes", () => {
    const h = harness(daytime, [resident], local(0, "19:00"));
    // Last activity at 20:00 (the sensor reports idle seconds).
    h.send(resident, guardian(0), local(0, "20:00"));
    expect(h.tick(local(1, "07:30"))).toEqual([]);
    h.send(resident, guardian(11.9 * 3600), local(1, "07:54"));
    const actions = h.tick(local(1, "08:01"));
    expect(summary(actions)).toEqual(["raise welfare major 0000d001"]);
    expect(actions[0]).toMatchObject({
      evidence:
        "no door or motion activity at 0000d001 (b1/301) for 12.0 h (limit 12.0 h in 07:00-22:00); last activity 20:00 local time",
    });
    expect(h.tick(local(1, "09:00"))).toEqual([]);
    expect(summary(h.send(resident, guardian(60), local(1, "09:30")))).toEqual([
      "clear welfare 0000d001",
    ]);
  });

  it("waits for the window when the limit passes at night", () => {
    const h = harness(daytime, [resident], local(0, "11:00"));
    h.send(resident, guardian(0), local(0, "12:00"));
    expect(h.tick(local(1, "00:30"))).toEqual([]);
    expect(h.tick(local(1, "06:59"))).toEqual([]);
    expect(summary(h.tick(local(1, "07:00")))).toEqual(["raise welfare major 0000d001"]);
  });

  it("handles a window that crosses midnight", () => {
    const night = siteFrom(`rules:
  - { id: night, kind: inactivity, windows: [{ from: "22:00", to: "06:00", maxIdleS: 14400 }] }
`);
    const h = harness(night, [resident], local(0, "20:00"));
    h.send(resident, guardian(0), local(0, "21:00"));
    expect(h.tick(local(0, "23:00"))).toEqual([]);
    expect(summary(h.tick(local(1, "01:01")))).toEqual(["raise welfare major 0000d001"]);
  });

  it("counts a sensor that has not reported since the gateway started from the start", () => {
    const h = harness(daytime, [resident], local(0, "08:00"));
    expect(h.tick(local(0, "19:59"))).toEqual([]);
    expect(summary(h.tick(local(0, "20:00")))).toEqual(["raise welfare major 0000d001"]);
    // Its first report says the last activity was before the start: still raised.
    expect(h.send(resident, guardian(13 * 3600), local(0, "20:01"))).toEqual([]);
  });

  it("takes an earlier last activity from the first report after a start", () => {
    const h = harness(daytime, [resident], local(0, "08:00"));
    h.send(resident, guardian(11.5 * 3600), local(0, "08:30"));
    expect(summary(h.tick(local(0, "09:01")))).toEqual(["raise welfare major 0000d001"]);
  });
});
