import { describe, expect, it } from "vitest";
import type { TraceRecord } from "../report/trace.js";
import { parseScenario } from "../scenario/load-scenario.js";
import { evaluate } from "./expectations.js";

const SITE = `
name: channel load
duration: 1h
site:
  buildings: [{ id: b1, flats: ["101"] }]
  receivers: [{ id: rx-1 }, { id: rx-2 }]
  buses: [{ id: bus-a, baud: 9600 }]
  devices:
    - { id: det, kind: smoke, flat: b1/101, link: radio }
expect:
`;

function evaluated(expectYaml: string, records: TraceRecord[]) {
  const r = parseScenario(SITE + expectYaml);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return evaluate(r.scenario, records, 3_600_000);
}

const channels = (loads: Record<string, number>): TraceRecord => ({
  t: 3_600_000,
  src: "link",
  event: "channels",
  channels: Object.entries(loads).map(([receiver, peakLoad10s]) => ({
    receiver,
    baud: 9600,
    peakLoad10s,
  })),
});

describe("channel-load expectation", () => {
  it("passes when every line's busiest 10 s stayed under the bound, and names each line's share", () => {
    const [r] = evaluated("  - channel-load: { under: 80 }", [
      channels({ "rx-1": 0.69, "rx-2": 0.412, "bus-a": 0.05 }),
    ]);
    expect(r!.pass).toBe(true);
    expect(r!.detail).toBe(
      "busiest 10 s, wanted under 80 % of the line: rx-1 69 %, rx-2 41.2 %, bus-a 5 %",
    );
  });

  it("fails when one line reached the bound, and checks only the named line when given", () => {
    const recs = [channels({ "rx-1": 0.8, "rx-2": 0.3 })];
    expect(evaluated("  - channel-load: { under: 80 }", recs)[0]!.pass).toBe(false);
    expect(evaluated("  - channel-load: { under: 80, receiver: rx-2 }", recs)[0]!.pass).toBe(true);
    expect(evaluated("  - channel-load: { under: 80, receiver: rx-1 }", recs)[0]!.pass).toBe(false);
  });

  it("fails, saying why, when the run had no airtime model", () => {
    const [r] = evaluated("  - channel-load: { under: 80 }", []);
    expect(r!.pass).toBe(false);
    expect(r!.detail).toContain("no channel with an airtime model");
  });

  it("refuses a scenario naming a line it does not have", () => {
    const r = parseScenario(`${SITE}  - channel-load: { under: 80, receiver: rx-9 }`);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors).toContainEqual(
        expect.objectContaining({
          path: "/expect/0/channel-load/receiver",
          message: "unknown receiver or bus 'rx-9' (known: rx-1, rx-2, bus-a)",
        }),
      );
  });
});
