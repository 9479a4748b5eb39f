import { describe, expect, it } from "vitest";
import { PORT_ALL, REASON_OVER_TEMP, REASON_OVERLOAD } from "../../protocol/constants.js";
import type { UplinkMsg } from "../../protocol/messages.js";
import { device, harness, siteFrom, summary, T0, telemetry } from "./testing.js";

const shed = device(0xc001, "charger", { shed: "s1" });
const detector = device(0xa001, "smoke", { building: "b1" });

const temp = (c: number) => telemetry(c, [0, 0]);
const status = (mv: number): UplinkMsg => ({
  type: "status",
  deviceKind: 1,
  batteryMv: mv,
  fwMajor: 1,
  fwMinor: 0,
  fwPatch: 0,
  uptimeS: 1,
  resetCause: 0,
});

const shedTemp = `rules:
  - id: heat
    kind: threshold
    metric: shed-temp-c
    above: 60
    hysteresis: 5
    durationS: 5
    alarm: over-temperature
    severity: critical
    cut: all
    plausible: { min: -40, max: 150, maxStepPerS: 2 }
`;

type Step = [seconds: number, msg: UplinkMsg, expected: string[]];

const cases: Array<{ name: string; yaml: string; dev: typeof shed; steps: Step[] }> = [
  {
    name: "raises after the duration, cuts every port, clears only past the hysteresis",
    yaml: shedTemp,
    dev: shed,
    steps: [
      [0, temp(58), []],
      [2, temp(61), []],
      [4, temp(62), []],
      [
        7,
        temp(63),
        [
          "raise over-temperature critical 0000c001",
          `relay 0000c001:${PORT_ALL} off reason ${REASON_OVER_TEMP}`,
        ],
      ],
      [9, temp(64), []],
      [11, temp(57), []],
      [13, temp(55), ["clear over-temperature 0000c001"]],
      [15, temp(56), []],
    ],
  },
  {
    name: "does not raise for a peak shorter than the duration",
    yaml: shedTemp,
    dev: shed,
    steps: [
      [0, temp(59), []],
      [2, temp(61), []],
      [4, temp(62), []],
      [6, temp(59), []],
      [8, temp(61), []],
      [12, temp(60), []],
    ],
  },
  {
    name: "ignores one implausible jump and readings out of range",
    yaml: shedTemp,
    dev: shed,
    steps: [
      [0, temp(30), []],
      [2, temp(120), []],
      [4, temp(31), []],
      [6, temp(200), []],
      [8, temp(32), []],
      [20, temp(32), []],
    ],
  },
  {
    name: "accepts a jump that the next reading confirms",
    yaml: shedTemp,
    dev: shed,
    steps: [
      [0, temp(30), []],
      [2, temp(90), []],
      [4, temp(91), []],
      [
        10,
        temp(92),
        [
          "raise over-temperature critical 0000c001",
          `relay 0000c001:${PORT_ALL} off reason ${REASON_OVER_TEMP}`,
        ],
      ],
    ],
  },
  {
    name: "raises a low battery below the limit at once and clears above limit + hysteresis",
    yaml: `rules:
  - { id: batt, kind: threshold, metric: battery-mv, below: 2600, hysteresis: 200, alarm: low-battery, severity: maintenance }
`,
    dev: detector,
    steps: [
      [0, status(2700), []],
      [10, status(2590), ["raise low-battery maintenance 0000a001"]],
      [20, status(2700), []],
      [30, status(2810), ["clear low-battery 0000a001"]],
    ],
  },
  {
    name: "tracks each port on its own and cuts only the port that crossed",
    yaml: `rules:
  - { id: port, kind: threshold, metric: port-power-w, above: 1100, hysteresis: 100, durationS: 3, alarm: port-overload, cut: port }
`,
    dev: shed,
    steps: [
      [0, telemetry(25, [1200, 300]), []],
      [2, telemetry(25, [1200, 1150]), []],
      [
        4,
        telemetry(25, [1210, 1150]),
        [`raise port-overload major 0000c001:0`, `relay 0000c001:0 off reason ${REASON_OVERLOAD}`],
      ],
      [
        6,
        telemetry(25, [0, 1160]),
        [
          "clear port-overload 0000c001:0",
          `raise port-overload major 0000c001:1`,
          `relay 0000c001:1 off reason ${REASON_OVERLOAD}`,
        ],
      ],
      [8, telemetry(25, [0, 0]), ["clear port-overload 0000c001:1"]],
    ],
  },
];

describe("threshold rule", () => {
  it.each(cases)("$name", ({ yaml, dev, steps }) => {
    const h = harness(siteFrom(yaml), [dev]);
    for (const [s, msg, expected] of steps) {
      expect(summary(h.send(dev, msg, T0 + s * 1000)), `at ${s} s`).toEqual(expected);
    }
  });

  it("says in the evidence what crossed, by how much and for how long", () => {
    const h = harness(siteFrom(shedTemp), [shed]);
    h.send(shed, temp(61), T0);
    const [raise] = h.send(shed, temp(65.5), T0 + 6000);
    expect(raise).toMatchObject({
      type: "raise-alarm",
      rule: "heat",
      evidence: "shed temperature 65.5 °C above 60 °C (clears at 55) for 6 s",
    });
  });

  it("does not cut a device that is not a charger", () => {
    const h = harness(
      siteFrom(`rules:
  - { id: smoke, kind: threshold, metric: smoke-level, above: 500, alarm: fire, severity: critical, cut: all }
`),
      [detector],
    );
    const actions = h.send(
      detector,
      { type: "smoke-event", event: 1, smokeLevel: 900, batteryMv: 3000, eventId: 1 },
      T0,
    );
    expect(summary(actions)).toEqual(["raise fire critical 0000a001"]);
  });
});
