import { describe, expect, it } from "vitest";
import { placeText } from "./place.js";
import { portLabel, portNumbers, portNumbersText } from "./port-label.js";

describe("placeText", () => {
  it("names building, shed and place once each", () => {
    expect(placeText({ building: "b1", location: "b1/401" })).toBe("b1/401");
    expect(placeText({ building: "b1", shed: "s1", location: "s1/charger-3" })).toBe(
      "b1/s1/charger-3",
    );
    expect(placeText({ building: "b2", location: "101" })).toBe("b2/101");
    expect(placeText({ shed: "shed-a" }, " · ")).toBe("shed-a");
    expect(placeText({})).toBeUndefined();
    expect(placeText(undefined)).toBeUndefined();
  });
});

describe("port labels", () => {
  it("number a charger's ports from 1, with the charger's shed position when there are several", () => {
    expect(portLabel(0)).toBe("port 1");
    expect(portNumbers(0, "c2", ["c3", "c1", "c2"])).toEqual({ charger: 2, port: 1 });
    expect(portNumbersText(portNumbers(0, "c2", ["c3", "c1", "c2"]))).toBe("charger 2 port 1");
    expect(portNumbers(4, "c1", ["c1", "c1"])).toEqual({ port: 5 });
    expect(portNumbersText(portNumbers(4))).toBe("port 5");
  });
});
