/** The dashboard joins placements by the rule of common/place.ts: the same text for the same parts. */
import { describe, expect, it } from "vitest";
import { type Placement, placeText } from "../../common/place.js";

const page = (await import(new URL("./js/place.js", import.meta.url).href)) as {
  placeText: typeof placeText;
};

const CASES: Placement[] = [
  { building: "b1", location: "b1/401" },
  { building: "b1", shed: "s1", location: "s1/charger-3" },
  { building: "b2", location: "101" },
  { shed: "shed-a", location: "Shed A (north gate)" },
  { location: " 2-201 " },
  {},
];

describe("the dashboard's place text", () => {
  it("is common/place.ts's for every placement and separator", () => {
    for (const p of CASES)
      for (const sep of ["/", " · "]) expect(page.placeText(p, sep)).toBe(placeText(p, sep));
    expect(page.placeText(undefined)).toBeUndefined();
    expect(page.placeText({ building: "b1", location: "b1/401" }, " · ")).toBe("b1 · 401");
  });
});
