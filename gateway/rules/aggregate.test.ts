import { describe, expect, it } from "vitest";
import {
  CHARGER_EVENT_SESSION_START,
  REASON_NONE,
  REASON_SHED_TOTAL,
} from "../../protocol/constants.js";
import { chargerEvent, device, harness, siteFrom, summary, T0, telemetry } from "./testing.js";

const site = siteFrom(`sheds: [{ id: s1, limitW: 3000 }]
rules:
  - { id: total, kind: aggregate, hysteresisW: 200, durationS: 3 }
`);
const boardA = device(0xc001, "charger", { shed: "s1" });
const boardB = device(0xc002, "charger", { shed: "s1" });
const at = (seconds: number) => T0 + seconds * 1000;

describe("aggregate rule (shed total power)", () => {
  it("raises over the shed limit after the duration, cuts the newest session, clears under limit - hysteresis", () => {
    const h = harness(site, [boardA]);
    expect(h.send(boardA, telemetry(25, [900, 900, 0]), at(0))).toEqual([]);
    expect(h.send(boardA, telemetry(25, [900, 900, 1300]), at(10))).toEqual([]);
    expect(h.send(boardA, telemetry(25, [900, 900, 1300]), at(12))).toEqual([]);
    const actions = h.send(boardA, telemetry(25, [900, 900, 1300]), at(14));
    expect(summary(actions)).toEqual([
      "raise shed-overload major 0000c001",
      `relay 0000c001:2 off reason ${REASON_SHED_TOTAL}`,
    ]);
    expect(actions[0]).toMatchObject({
      evidence:
        "shed s1 total 3100 W over the 3000 W limit for 4 s; cut 0000c001 port 2 (newest session, 1300 W)",
    });
    expect(summary(h.send(boardA, telemetry(25, [900, 900, 0]), at(16)))).toEqual([
      "clear shed-overload 0000c001",
    ]);
  });

  it("sums the ports of every board in the shed and cuts the next newest if the total stays over", () => {
    const h = harness(site, [boardA, boardB]);
    h.send(boardA, telemetry(25, [1000, 0]), at(0));
    h.send(boardB, telemetry(25, [1000, 0]), at(1));
    h.send(boardA, telemetry(25, [1000, 600]), at(5));
    h.send(boardB, telemetry(25, [1000, 600]), at(6));
    expect(summary(h.tick(at(9)))).toEqual([
      "raise shed-overload major 0000c001",
      `relay 0000c002:1 off reason ${REASON_SHED_TOTAL}`,
    ]);
    // The cut shows; the total is still over: the next newest goes, no second alarm.
    const lines = summary(h.send(boardB, telemetry(25, [1500, 0]), at(10)));
    expect(lines).toEqual([`relay 0000c001:1 off reason ${REASON_SHED_TOTAL}`]);
    expect(summary(h.send(boardA, telemetry(25, [1000, 0]), at(11)))).toEqual([
      "clear shed-overload 0000c001",
    ]);
  });

  it("uses the charger's session-start event to pick the newest", () => {
    const h = harness(site, [boardA]);
    h.send(boardA, telemetry(25, [1000, 1000, 1100]), at(0));
    h.send(boardA, chargerEvent(CHARGER_EVENT_SESSION_START, 0, REASON_NONE, 1000), at(1));
    h.send(boardA, telemetry(25, [1000, 1000, 1100]), at(2));
    expect(summary(h.tick(at(4)))).toContain(`relay 0000c001:0 off reason ${REASON_SHED_TOTAL}`);
  });

  it("clears the alarm on the board it was raised on, even when that board has gone quiet", () => {
    const h = harness(
      siteFrom(`sheds: [{ id: s1, limitW: 3000 }]
rules:
  - { id: total, kind: aggregate, hysteresisW: 200, durationS: 0, staleS: 30, cut: none }
`),
      [boardA, boardB],
    );
    h.send(boardA, telemetry(25, [1000]), at(0));
    expect(summary(h.send(boardB, telemetry(25, [2500]), at(1)))).toEqual([
      "raise shed-overload major 0000c001",
    ]);
    expect(summary(h.send(boardB, telemetry(25, [1000]), at(40)))).toEqual([
      "clear shed-overload 0000c001",
    ]);
  });

  it("ignores a peak shorter than the duration and readings gone stale", () => {
    const h = harness(site, [boardA]);
    h.send(boardA, telemetry(25, [2000, 1200]), at(0));
    h.send(boardA, telemetry(25, [2000, 500]), at(2));
    expect(h.tick(at(10))).toEqual([]);
    h.send(boardA, telemetry(25, [2000, 1200]), at(20));
    expect(h.tick(at(200))).toEqual([]);
  });
});
