import { describe, expect, it } from "vitest";
import type { ResidentView } from "../live/resident-book.js";
import { localDay, summarise, summaryDue } from "./daily-summary.js";

/** Epoch ms of local (UTC+8) time hh:mm on 2026-03-0d. */
const local = (d: number, hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  return Date.UTC(2026, 2, d, h, m) - 480 * 60_000;
};

const resident = (state: ResidentView["state"]): ResidentView => ({
  gateway: "gw-1",
  deviceId: "0000d902",
  state,
  since: local(3, "07:10"),
  lastActivityAt: local(3, "19:40"),
  location: "b9/902",
  updatedAt: local(3, "19:40"),
});

describe("the daily all-well summary", () => {
  it("is due once a day from the configured local time", () => {
    expect(summaryDue(local(3, "19:59"), 480, "20:00", undefined)).toBeUndefined();
    expect(summaryDue(local(3, "20:00"), 480, "20:00", undefined)).toBe("2026-03-03");
    expect(summaryDue(local(3, "23:59"), 480, "20:00", "2026-03-03")).toBeUndefined();
    // 00:30 local is still the previous day in UTC: the local day is what counts.
    expect(localDay(local(4, "00:30"), 480).day).toBe("2026-03-04");
    expect(summaryDue(local(4, "00:30"), 480, "20:00", "2026-03-03")).toBeUndefined();
    expect(summaryDue(local(4, "20:01"), 480, "20:00", "2026-03-03")).toBe("2026-03-04");
  });

  it("says all well when the resident is fine and no alarm was raised in 24 hours", () => {
    const s = summarise(
      "2026-03-03",
      "0000d902",
      resident("active"),
      [local(2, "19:00")],
      local(3, "20:00"),
    );
    expect(s).toEqual({
      day: "2026-03-03",
      deviceId: "0000d902",
      location: "b9/902",
      allWell: true,
      state: "active",
      since: local(3, "07:10"),
      lastActivityAt: local(3, "19:40"),
      alarms24h: 0,
    });
  });

  it("says not all well after an alarm today, in an alarm state, or when nothing was heard", () => {
    const now = local(3, "20:00");
    expect(summarise("d", "x", resident("active"), [local(3, "10:00")], now)).toMatchObject({
      allWell: false,
      alarms24h: 1,
    });
    for (const st of ["overdue", "alarm", "wandering", "sensor-fault", "unknown"] as const)
      expect(summarise("d", "x", resident(st), [], now).allWell).toBe(false);
    expect(summarise("d", "x", undefined, [], now)).toMatchObject({
      allWell: false,
      state: "unknown",
    });
  });
});
