import { describe, expect, it } from "vitest";
import { isoWeekOf, isoWeekRange } from "./report.js";

describe("ISO weeks", () => {
  it.each([
    ["2025-11-24T00:00:00Z", "2025-W48"],
    ["2024-12-30T12:00:00Z", "2025-W01"],
    ["2021-01-03T12:00:00Z", "2020-W53"],
    ["2026-01-01T00:00:00Z", "2026-W01"],
  ])("%s is in %s", (date, week) => {
    expect(isoWeekOf(Date.parse(date))).toBe(week);
  });

  it("gives a week's range from Monday 00:00, in the site's time zone", () => {
    expect(isoWeekRange("2025-W48")).toEqual({
      from: Date.parse("2025-11-24T00:00:00Z"),
      to: Date.parse("2025-12-01T00:00:00Z"),
    });
    expect(isoWeekRange("2025-W48", 480)!.from).toBe(Date.parse("2025-11-23T16:00:00Z"));
    expect(isoWeekOf(Date.parse("2025-11-23T16:30:00Z"), 480)).toBe("2025-W48");
  });

  it("refuses weeks that do not exist", () => {
    expect(isoWeekRange("2025-W53")).toBeUndefined();
    expect(isoWeekRange("2020-W53")).toBeDefined();
    expect(isoWeekRange("2025-48")).toBeUndefined();
  });
});
