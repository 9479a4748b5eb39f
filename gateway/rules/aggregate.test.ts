import { describe, expect, it } from "vitest";
import {
  CHARGER_EVENT_CUT,
  CHARGER_EVENT_SESSION_START,
  CONFIG_REFUSE_SESSIONS_S,
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
/** Alarms and cuts, without the refuse notices (tested on their own below). */
const cutsOf = (actions: Parameters<typeof summary>[0]) =>
  summary(actions).filter((l) => !l.startsWith("config "));
const REFUSE = CONFIG_REFUSE_SESSIONS_S;

describe("aggregate rule (shed total power)", () => {
  it("raises over the shed limit after the duration, cuts the newest session, clears under limit - hysteresis", () => {
    const h = harness(site, [boardA]);
    expect(cutsOf(h.send(boardA, telemetry(25, [900, 900, 0]), at(0)))).toEqual([]);
    expect(cutsOf(h.send(boardA, telemetry(25, [900, 900, 1300]), at(10)))).toEqual([]);
    expect(cutsOf(h.send(boardA, telemetry(25, [900, 900, 1300]), at(12)))).toEqual([]);
    const actions = h.send(boardA, telemetry(25, [900, 900, 1300]), at(14));
    expect(cutsOf(actions)).toEqual([
      "raise shed-overload major 0000c001",
      `relay 0000c001:2 off reason ${REASON_SHED_TOTAL}`,
    ]);
    expect(actions[0]).toMatchObject({
      evidence:
        "shed s1 total 3100 W over the 3000 W limit for 4 s; cut 0000c001 port 3 (newest session, 1300 W)",
    });
    expect(cutsOf(h.send(boardA, telemetry(25, [900, 900, 0]), at(16)))).toEqual([
      "clear shed-overload 0000c001",
    ]);
  });

  it("sums the ports of every board in the shed and cuts the next newest if the total stays over", () => {
    const h = harness(site, [boardA, boardB]);
    h.send(boardA, telemetry(25, [1000, 0]), at(0));
    h.send(boardB, telemetry(25, [1000, 0]), at(1));
    h.send(boardA, telemetry(25, [1000, 600]), at(5));
    h.send(boardB, telemetry(25, [1000, 600]), at(6));
    expect(cutsOf(h.tick(at(9)))).toEqual([
      "raise shed-overload major 0000c001",
      `relay 0000c002:1 off reason ${REASON_SHED_TOTAL}`,
    ]);
    // The cut shows; the total is still over: the next newest goes, no second alarm.
    const lines = cutsOf(h.send(boardB, telemetry(25, [1500, 0]), at(10)));
    expect(lines).toEqual([`relay 0000c001:1 off reason ${REASON_SHED_TOTAL}`]);
    expect(cutsOf(h.send(boardA, telemetry(25, [1000, 0]), at(11)))).toEqual([
      "clear shed-overload 0000c001",
    ]);
  });

  it("uses the charger's session-start event to pick the newest", () => {
    const h = harness(site, [boardA]);
    h.send(boardA, telemetry(25, [1000, 1000, 1100]), at(0));
    h.send(boardA, chargerEvent(CHARGER_EVENT_SESSION_START, 0, REASON_NONE, 1000), at(1));
    h.send(boardA, telemetry(25, [1000, 1000, 1100]), at(2));
    expect(cutsOf(h.tick(at(4)))).toContain(`relay 0000c001:0 off reason ${REASON_SHED_TOTAL}`);
  });

  it("cuts the larger of two sessions a charger reported in one burst, whichever frame came last", () => {
    const h = harness(site, [boardA]);
    h.send(boardA, telemetry(25, [1000, 0, 0]), at(0));
    // One reading found both: their events follow each other on the line 60 ms apart.
    h.send(boardA, chargerEvent(CHARGER_EVENT_SESSION_START, 1, REASON_NONE, 1100), at(10));
    h.send(boardA, chargerEvent(CHARGER_EVENT_SESSION_START, 2, REASON_NONE, 950), at(10.06));
    expect(cutsOf(h.tick(at(14)))).toContain(`relay 0000c001:1 off reason ${REASON_SHED_TOTAL}`);
  });

  it("keeps each session's start through a spell of lost telemetry: the newest is still the one started last", () => {
    const h = harness(site, [boardA]);
    h.send(boardA, chargerEvent(CHARGER_EVENT_SESSION_START, 0, REASON_NONE, 1000), at(0));
    h.send(boardA, chargerEvent(CHARGER_EVENT_SESSION_START, 1, REASON_NONE, 1000), at(60));
    h.send(boardA, chargerEvent(CHARGER_EVENT_SESSION_START, 2, REASON_NONE, 950), at(120));
    // Every telemetry frame is lost for longer than staleS (120 s); the rule's housekeeping runs.
    for (let s = 130; s <= 600; s += 10) expect(cutsOf(h.tick(at(s)))).toEqual([]);
    // Telemetry is back, over the limit: port 3 started last (the older ports draw more).
    h.send(boardA, telemetry(25, [1050, 1050, 950]), at(610));
    expect(cutsOf(h.tick(at(614)))).toContain(`relay 0000c001:2 off reason ${REASON_SHED_TOTAL}`);
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
    expect(cutsOf(h.send(boardB, telemetry(25, [2500]), at(1)))).toEqual([
      "raise shed-overload major 0000c001",
    ]);
    expect(cutsOf(h.send(boardB, telemetry(25, [1000]), at(40)))).toEqual([
      "clear shed-overload 0000c001",
    ]);
  });

  it("ignores a peak shorter than the duration and readings gone stale", () => {
    const h = harness(site, [boardA]);
    h.send(boardA, telemetry(25, [2000, 1200]), at(0));
    h.send(boardA, telemetry(25, [2000, 500]), at(2));
    expect(cutsOf(h.tick(at(10)))).toEqual([]);
    h.send(boardA, telemetry(25, [2000, 1200]), at(20));
    expect(cutsOf(h.tick(at(200)))).toEqual([]);
  });

  it("counts a session from its start event at once and cuts it within the duration, before any telemetry", () => {
    const h = harness(site, [boardA, boardB]);
    h.send(boardA, telemetry(25, [1000, 1000]), at(0));
    // Board B's new 1,200 W session: 3,200 W > 3,000 W, known from the event alone.
    h.send(boardB, chargerEvent(CHARGER_EVENT_SESSION_START, 3, REASON_NONE, 1200), at(1));
    expect(cutsOf(h.tick(at(3)))).toEqual([]);
    expect(cutsOf(h.tick(at(4)))).toEqual([
      "raise shed-overload major 0000c001",
      `relay 0000c002:3 off reason ${REASON_SHED_TOTAL}`,
    ]);
    // The cut is reported: the port leaves the total, the alarm clears.
    expect(
      cutsOf(h.send(boardB, chargerEvent(CHARGER_EVENT_CUT, 3, REASON_SHED_TOTAL, 1200), at(5))),
    ).toEqual(["clear shed-overload 0000c001"]);
  });

  it("is due exactly durationS after the total went over, so the cut comes at the deadline, not at the next whole tick", () => {
    const h = harness(site, [boardA, boardB]);
    h.send(boardA, telemetry(25, [1000, 1000]), at(0));
    expect(h.engine.dueAt(h.state)).toBeUndefined();
    // The start event arrives between two 1 s ticks (a retry 0.39 s after a garbled first try).
    h.send(boardB, chargerEvent(CHARGER_EVENT_SESSION_START, 3, REASON_NONE, 1200), at(1.39));
    const due = h.engine.dueAt(h.state);
    expect(due).toBe(at(4.39));
    // A tick 1 ms early does nothing; the one the service runs at the deadline cuts.
    expect(cutsOf(h.tick(at(4.389)))).toEqual([]);
    expect(cutsOf(h.tick(due as number))).toEqual([
      "raise shed-overload major 0000c001",
      `relay 0000c002:3 off reason ${REASON_SHED_TOTAL}`,
    ]);
    // Waiting for the cut report: next due when an unanswered cut may be retried (30 s).
    expect(h.engine.dueAt(h.state)).toBe(at(34.39));
    // Back under the limit: nothing is due.
    h.send(boardB, chargerEvent(CHARGER_EVENT_CUT, 3, REASON_SHED_TOTAL, 1200), at(5));
    expect(h.engine.dueAt(h.state)).toBeUndefined();
  });

  it("tells every charger of the shed to refuse above the refuse mark, renews it, and withdraws it below", () => {
    const boardC = device(0xc003, "charger", { shed: "s2" });
    const h = harness(
      siteFrom(`sheds: [{ id: s1, limitW: 3000, refuseW: 2500 }, { id: s2 }]
rules:
  - { id: total, kind: aggregate, hysteresisW: 200, durationS: 3, refuseHoldS: 60 }
`),
      [boardA, boardB, boardC],
    );
    expect(h.send(boardA, telemetry(25, [1000, 1000]), at(0))).toEqual([]);
    const on = summary(
      h.send(boardB, chargerEvent(CHARGER_EVENT_SESSION_START, 0, REASON_NONE, 600), at(1)),
    );
    expect(on).toEqual([`config 0000c001 ${REFUSE}=60`, `config 0000c002 ${REFUSE}=60`]);
    expect(summary(h.tick(at(20)))).toEqual([]);
    // Renewed every half hold while the shed stays above.
    expect(summary(h.tick(at(31)))).toEqual([
      `config 0000c001 ${REFUSE}=60`,
      `config 0000c002 ${REFUSE}=60`,
    ]);
    // 2,400 W: under the mark but not by the hysteresis yet.
    expect(summary(h.send(boardA, telemetry(25, [1000, 800]), at(32)))).toEqual([]);
    expect(summary(h.send(boardA, telemetry(25, [1000, 600]), at(33)))).toEqual([
      `config 0000c001 ${REFUSE}=0`,
      `config 0000c002 ${REFUSE}=0`,
    ]);
  });

  it("keeps a session's first start when its start event is retransmitted", () => {
    const h = harness(site, [boardA, boardB]);
    const start = (power: number) =>
      chargerEvent(CHARGER_EVENT_SESSION_START, 0, REASON_NONE, power);
    h.send(boardA, start(1600), at(1));
    h.send(boardB, start(1600), at(2));
    h.send(boardA, start(1600), at(3)); // its ack was lost: the same session again
    expect(cutsOf(h.tick(at(6)))).toContain(`relay 0000c002:0 off reason ${REASON_SHED_TOTAL}`);
  });
});
