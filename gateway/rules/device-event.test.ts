import { describe, expect, it } from "vitest";
import {
  CHARGER_EVENT_CUT,
  CHARGER_EVENT_RESTORED,
  PORT_ALL,
  REASON_FULL_CHARGE,
  REASON_NONE,
  REASON_OVERLOAD,
  REASON_SHED_TOTAL,
  SMOKE_ALARM,
  SMOKE_CLEAR,
  SMOKE_END_OF_LIFE,
  SMOKE_HUSH,
  SMOKE_LOW_BATTERY,
  SMOKE_SELF_TEST_OK,
  SMOKE_TAMPER,
  SMOKE_TAMPER_CLEAR,
  SOUND_FIRE,
  SOUND_HUSH,
  SOUND_STOP,
} from "../../protocol/constants.js";
import type { UplinkMsg } from "../../protocol/messages.js";
import type { DeviceRecord } from "../types.js";
import { chargerEvent, device, harness, siteFrom, smokeEvent, summary, T0 } from "./testing.js";

// The standard rules (no `rules` key) with two buildings.
const site = siteFrom("buildings: [{ id: b1 }, { id: b2 }]\nsheds: [{ id: s1 }]\n");
const flat101 = device(0xa001, "smoke", { building: "b1", location: "101" });
const flat102 = device(0xa002, "smoke", { building: "b1", location: "102" });
const flat201 = device(0xa003, "smoke", { building: "b1", location: "201" });
const retired = device(0xa004, "smoke", { building: "b1", status: "decommissioned" });
const otherBuilding = device(0xb001, "smoke", { building: "b2" });
const guardianB1 = device(0xd001, "guardian", { building: "b1" });
const charger = device(0xc001, "charger", { shed: "s1" });
const all = [flat101, flat102, flat201, retired, otherBuilding, guardianB1, charger];

type Step = [from: DeviceRecord, msg: UplinkMsg, expected: string[]];

const sound = (to: string, mode: number) => `sound ${to} mode ${mode}`;
const fire101 = [
  "raise fire critical 0000a001",
  sound("0000a002", SOUND_FIRE),
  sound("0000a003", SOUND_FIRE),
];

const cases: Array<{ name: string; steps: Step[] }> = [
  {
    name: "a smoke alarm raises a critical fire alarm and sounds the other detectors of the building only",
    steps: [[flat101, smokeEvent(SMOKE_ALARM, 1, 450), fire101]],
  },
  {
    name: "repeats of one physical event act once; a new event acts again",
    steps: [
      [flat101, smokeEvent(SMOKE_ALARM, 1, 450), fire101],
      [flat101, smokeEvent(SMOKE_ALARM, 1, 460), []],
      [flat101, smokeEvent(SMOKE_ALARM, 2, 520), fire101],
    ],
  },
  {
    name: "a cooking nuisance: alarm, hush, clear is one alarm that hushes then stops the building",
    steps: [
      [flat101, smokeEvent(SMOKE_ALARM, 1, 300), fire101],
      [
        flat101,
        smokeEvent(SMOKE_HUSH, 2, 250),
        [
          "raise fire critical 0000a001",
          sound("0000a002", SOUND_HUSH),
          sound("0000a003", SOUND_HUSH),
        ],
      ],
      [
        flat101,
        smokeEvent(SMOKE_CLEAR, 3, 20),
        ["clear fire 0000a001", sound("0000a002", SOUND_STOP), sound("0000a003", SOUND_STOP)],
      ],
    ],
  },
  {
    name: "the building keeps sounding while another detector is still in alarm",
    steps: [
      [flat101, smokeEvent(SMOKE_ALARM, 1, 300), fire101],
      [
        flat102,
        smokeEvent(SMOKE_ALARM, 7, 300),
        [
          "raise fire critical 0000a002",
          sound("0000a001", SOUND_FIRE),
          sound("0000a003", SOUND_FIRE),
        ],
      ],
      [flat101, smokeEvent(SMOKE_HUSH, 2, 200), ["raise fire critical 0000a001"]],
      [flat101, smokeEvent(SMOKE_CLEAR, 3, 10), ["clear fire 0000a001"]],
      [
        flat102,
        smokeEvent(SMOKE_CLEAR, 8, 10),
        ["clear fire 0000a002", sound("0000a001", SOUND_STOP), sound("0000a003", SOUND_STOP)],
      ],
    ],
  },
  {
    name: "tamper is major and clears when the detector is back on its base",
    steps: [
      [flat201, smokeEvent(SMOKE_TAMPER, 1), ["raise tamper major 0000a003"]],
      [flat201, smokeEvent(SMOKE_TAMPER_CLEAR, 2), ["clear tamper 0000a003"]],
    ],
  },
  {
    name: "low battery and end of life are maintenance alarms",
    steps: [
      [flat201, smokeEvent(SMOKE_LOW_BATTERY, 1), ["raise low-battery maintenance 0000a003"]],
      [flat201, smokeEvent(SMOKE_END_OF_LIFE, 2), ["raise end-of-life maintenance 0000a003"]],
      [
        flat201,
        smokeEvent(SMOKE_SELF_TEST_OK, 3),
        ["clear smoke-fault 0000a003", "clear low-battery 0000a003"],
      ],
    ],
  },
  {
    name: "a charger's port cut becomes an alarm with its reason, cleared by the restore",
    steps: [
      [
        charger,
        chargerEvent(CHARGER_EVENT_CUT, 3, REASON_OVERLOAD, 1250),
        ["raise port-overload major 0000c001:3"],
      ],
      [
        charger,
        chargerEvent(CHARGER_EVENT_RESTORED, 3, REASON_NONE),
        ["clear port-overload 0000c001:3"],
      ],
    ],
  },
  {
    name: "a shed-total cut is one shed alarm whatever port it hit",
    steps: [
      [
        charger,
        chargerEvent(CHARGER_EVENT_CUT, 5, REASON_SHED_TOTAL, 900),
        ["raise shed-overload major 0000c001"],
      ],
      [
        charger,
        chargerEvent(CHARGER_EVENT_CUT, 6, REASON_SHED_TOTAL, 800),
        ["raise shed-overload major 0000c001"],
      ],
    ],
  },
  {
    name: "a full-charge stop is not an alarm",
    steps: [[charger, chargerEvent(CHARGER_EVENT_CUT, 2, REASON_FULL_CHARGE, 30), []]],
  },
];

describe("device-event rules (standard set)", () => {
  it.each(cases)("$name", ({ steps }) => {
    const h = harness(site, all);
    steps.forEach(([from, msg, expected], i) => {
      const actions = h.send(from, msg, T0 + i * 1000);
      // Restore events clear every rule that lists them; keep the ones this step is about.
      const lines = summary(actions).filter((l) => !l.startsWith("clear") || expected.includes(l));
      expect(lines, `step ${i}`).toEqual(expected);
    });
  });

  it("sends interlink commands at alarm priority, naming the source", () => {
    const h = harness(site, all);
    const actions = h.send(flat101, smokeEvent(SMOKE_ALARM, 1, 450), T0);
    const cmd = actions.find((a) => a.type === "downlink");
    expect(cmd).toMatchObject({
      type: "downlink",
      deviceId: 0xa002,
      priority: 0,
      msg: { type: "sound", mode: SOUND_FIRE, durationS: 300, sourceDeviceId: 0xa001 },
      reason: "interlink: fire at 0000a001 (101)",
    });
  });

  it("explains a charger cut in the evidence", () => {
    const h = harness(site, all);
    const [raise] = h.send(charger, chargerEvent(CHARGER_EVENT_CUT, 3, REASON_OVERLOAD, 1250), T0);
    expect(raise).toMatchObject({
      rule: "port-overload",
      evidence: "charger-cut port 4: overload at 1250 W, 30 °C, session 0 s",
    });
  });

  it("clears every port's alarm when the whole shed is restored", () => {
    const h = harness(site, all);
    h.send(charger, chargerEvent(CHARGER_EVENT_CUT, 4, REASON_OVERLOAD, 1250), T0);
    const lines = summary(
      h.send(charger, chargerEvent(CHARGER_EVENT_RESTORED, PORT_ALL, REASON_NONE), T0 + 1000),
    );
    expect(lines).toContain("clear port-overload 0000c001:4");
    expect(lines).toContain("clear port-overload 0000c001");
  });

  it("notifies for an event rule without an alarm", () => {
    const h = harness(
      siteFrom(
        "rules:\n  - { id: n, kind: device-event, on: [charger-cut], reasons: [time-limit], notify: true, severity: minor }\n",
      ),
      all,
    );
    const actions = h.send(charger, chargerEvent(CHARGER_EVENT_CUT, 1, 6, 200), T0);
    expect(actions).toEqual([
      {
        type: "notify",
        severity: "minor",
        deviceId: 0xc001,
        text: "0000c001: charger-cut port 2: time-limit at 200 W, 30 °C, session 0 s",
      },
    ]);
  });
});
