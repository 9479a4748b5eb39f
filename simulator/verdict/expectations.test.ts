import { describe, expect, it } from "vitest";
import { junitXml, scenarioPassed, summaryText } from "../report/junit.js";
import type { TraceRecord } from "../report/trace.js";
import { parseScenario, type Scenario } from "../scenario/load-scenario.js";
import { evaluate } from "./expectations.js";

function scenario(expectYaml: string): Scenario {
  const r = parseScenario(`
name: verdicts
duration: 1h
site:
  sheds: [{ id: s1 }]
  buildings: [{ id: b1, flats: ["101"] }]
  receivers: [{ id: rx }]
  devices:
    - { id: det, kind: smoke, flat: b1/101, link: radio }
    - { id: chg, kind: charger, shed: s1, link: radio }
timeline:
  - { at: 10m, label: fire, smoke: { device: det, profile: flaming } }
  - { at: 20m, label: heater, plug: { device: chg, port: 1, load: heater } }
expect:
${expectYaml}
`);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.scenario;
}

const M = 60_000;
const trace: TraceRecord[] = [
  {
    t: 11 * M,
    src: "cloud",
    event: "alarm",
    transition: "raised",
    kind: "fire",
    device: "det",
    alarmId: "a1",
    at: 11 * M,
  },
  {
    t: 40 * M,
    src: "cloud",
    event: "alarm",
    transition: "raised",
    kind: "fire",
    device: "det",
    alarmId: "a1",
    at: 11 * M,
  },
  { t: 20 * M + 4000, src: "device", event: "relay-off", device: "chg", port: 1 },
  {
    t: 20 * M + 4000,
    src: "device",
    event: "uplink",
    device: "chg",
    name: "charger-cut",
    reason: "overload",
    port: 1,
  },
  {
    t: 5 * M,
    src: "link",
    event: "to-gateway",
    device: "chg",
    type: "charger-telemetry",
    counter: 5,
    intact: true,
  },
  {
    t: 6 * M,
    src: "link",
    event: "to-gateway",
    device: "chg",
    type: "charger-telemetry",
    counter: 6,
    intact: true,
  },
  { t: 5 * M, src: "cloud", event: "telemetry", device: "chg", counter: 5 },
  { t: 59 * M, src: "gateway", event: "counters", counters: { "bad-mac": 3 } },
];

describe("verdicts", () => {
  it("passes expectations the trace meets", () => {
    const sc = scenario(`
  - alarm: { kind: fire, device: det, within: 2m, after: fire }
  - cloud-alarms: { kind: fire, device: det, count: 1 }
  - relay-off: { device: chg, port: 1, within: 5s, after: heater }
  - cut: { device: chg, port: 1, reason: overload, within: 5s, after: heater }
  - no-alarm: { kind: tamper }
  - gateway-counter: { name: bad-mac, atLeast: 1 }
`);
    const r = evaluate(sc, trace, sc.durationMs);
    expect(r.map((c) => [c.pass, c.detail])).toEqual(r.map((c) => [true, c.detail]));
    expect(r[0]!.detail).toContain("60s after 'fire'");
  });

  it("fails expectations the trace does not meet, saying why", () => {
    const sc = scenario(`
  - alarm: { kind: fire, device: det, within: 30s, after: fire }
  - cloud-alarms: { kind: fire, device: det, count: 2 }
  - relay-off: { device: chg, port: 0, within: 5s, after: heater }
  - cut: { device: chg, reason: illegal-load }
  - no-alarm: { kind: fire }
  - gateway-counter: { name: bad-mac, atMost: 0 }
  - cloud-telemetry-complete: { device: chg }
  - sounded: { device: det }
`);
    const r = evaluate(sc, trace, sc.durationMs);
    expect(r.filter((c) => c.pass)).toEqual([]);
    expect(r[0]!.detail).toContain("wanted within 30s");
    expect(r[6]!.detail).toContain("counters 6");
    const result = {
      name: sc.name,
      file: "v.yaml",
      wallS: 0.1,
      simulatedS: 3600,
      seed: 1,
      cases: r,
    };
    expect(scenarioPassed(result)).toBe(false);
    const xml = junitXml([result]);
    expect(xml).toContain('failures="8"');
    expect(xml).toContain("<failure message=");
    expect(summaryText([result])).toContain("FAIL  verdicts");
  });

  it("checks that an alarm climbed the escalation chain, or did not", () => {
    const up = (level: number, t: number, device = "det"): TraceRecord => ({
      t,
      src: "gateway",
      event: "alarm",
      transition: "escalated",
      kind: "fire",
      device,
      alarmId: "a1",
      level,
    });
    const sc = scenario(`
  - escalated: { kind: fire, device: det, level: 1, within: 20m, after: fire }
  - escalated: { kind: fire, device: det, level: 2, within: 20m, after: fire }
  - escalated: { kind: fire, device: det, level: 3 }
  - not-escalated: { kind: fire, device: det }
  - not-escalated: { kind: fire, device: chg }
`);
    const r = evaluate(sc, [...trace, up(1, 20 * M), up(2, 35 * M)], sc.durationMs);
    expect(r.map((c) => c.pass)).toEqual([true, false, false, false, true]);
    expect(r[0]!.detail).toBe("fire on det alarm escalated to level 1 10m after 'fire'");
    expect(r[1]!.detail).toContain("came 25m after 'fire', wanted within 20m");
    expect(r[3]!.detail).toContain("2 × escalation of fire on det alarm");
  });
});

describe("verdicts counted from the alarm at the gateway", () => {
  const recs: TraceRecord[] = [
    { t: 5 * M, src: "device", event: "sounding", device: "det" },
    {
      t: 10 * M,
      src: "gateway",
      event: "alarm",
      transition: "raised",
      kind: "fire",
      device: "det",
    },
    { t: 10 * M + 12_000, src: "device", event: "sounding", device: "det" },
  ];

  it("measures `within` from the first such alarm the gateway raised, not from the timeline", () => {
    const late = scenario(`  - sounded: { device: det, within: 10s, after: "alarm:fire" }`);
    const [c] = evaluate(late, recs, 60 * M);
    expect(c?.pass).toBe(false);
    expect(c?.detail).toMatch(/12s after the first fire alarm at the gateway, wanted within 10s/);
    const ok = scenario(`  - sounded: { device: det, within: 15s, after: "alarm:fire:det" }`);
    expect(evaluate(ok, recs, 60 * M)[0]?.pass).toBe(true);
  });

  it("fails when the gateway never raised that alarm", () => {
    const sc = scenario(`  - sounded: { device: det, within: 10s, after: "alarm:fire:chg" }`);
    expect(evaluate(sc, recs, 60 * M)[0]?.pass).toBe(false);
  });
});

describe("firmware-update verdicts", () => {
  const ota = (t: number, device: string, state: string, reason?: string): TraceRecord => ({
    t,
    src: "gateway",
    event: "ota",
    device,
    state,
    ...(reason ? { reason } : {}),
  });
  const uplink = (t: number, device: string): TraceRecord => ({
    t,
    src: "device",
    event: "uplink",
    device,
  });
  const sc = scenario(`  - ota: { device: det, state: reported }
  - ota: { device: chg, state: rolled-back, reason: did not report }
  - ota-all-ended: {}`);

  it("passes devices that ended and were heard after the state before their end", () => {
    const recs = [
      ota(1 * M, "det", "transferring"),
      ota(5 * M, "det", "switched"),
      uplink(5 * M + 500, "det"),
      ota(5 * M + 600, "det", "reported"),
      ota(1 * M, "chg", "verifying"),
      uplink(12 * M, "chg"),
      ota(12 * M + 100, "chg", "rolled-back", "rolled back: the new image did not report in time"),
    ];
    expect(evaluate(sc, recs, 60 * M).map((c) => c.pass)).toEqual([true, true, true]);
  });

  it("fails a device never heard after it switched (bricked), one not ended, and a wrong reason", () => {
    const recs = [
      uplink(4 * M, "det"),
      ota(5 * M, "det", "switched"),
      ota(5 * M + 600, "det", "reported"),
      ota(1 * M, "chg", "transferring"),
    ];
    const [det, chg, all] = evaluate(sc, recs, 60 * M);
    expect(det?.pass).toBe(false);
    expect(det?.detail).toContain("never heard after");
    expect(chg?.pass).toBe(false);
    expect(all?.pass).toBe(false);
    expect(all?.detail).toContain("chg: transferring (not ended)");
  });
});
