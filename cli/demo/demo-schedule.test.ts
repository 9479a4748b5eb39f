import { describe, expect, it } from "vitest";
import { INCIDENT_KINDS } from "../../simulator/fleet/index.js";
import { COMPOUNDS, planCompound } from "./compounds.js";
import { nthIncident, ROTATION } from "./incident-rotation.js";
import { PACES } from "./pace.js";
import { dueRestores, type OffPort, restoreReasonFor } from "./port-restorer.js";

describe("the demo's incident rotation", () => {
  it("has every incident kind once", () => {
    expect([...ROTATION].sort()).toEqual([...INCIDENT_KINDS].sort());
  });

  it.each([1, 2, 3, 4, 6])("brings every kind to every one of %i compounds", (sites) => {
    const seen = new Set<string>();
    for (let n = 0; n < ROTATION.length * sites; n++) {
      const { kind, sites: order } = nthIncident(n, sites);
      expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: sites }, (_, i) => i));
      seen.add(`${kind}@${order[0]}`);
    }
    expect(seen.size).toBe(ROTATION.length * sites);
  });
});

describe("the demo's compounds", () => {
  it("name buildings and sheds in Chinese and English, with unique device ids, a watched resident and a lost detector", () => {
    const plan = planCompound(COMPOUNDS[0]!, 1, PACES.fast);
    expect(plan.buildings.map((b) => b.name)).toEqual([
      "海棠苑 3号楼 (Building 3)",
      "海棠苑 5号楼 (Building 5)",
    ]);
    expect(plan.sheds.map((s) => [s.name, s.ports, s.limitW])).toEqual([
      ["东区充电棚 A (East shed A)", 10, 5000],
      ["北门充电棚 (North gate shed)", 2, 1200],
    ]);
    expect(new Set(plan.devices.map((d) => d.id)).size).toBe(plan.devices.length);
    const flats = plan.buildings.reduce((n, b) => n + b.flats.length, 0);
    expect(plan.devices.filter((d) => d.kind === "smoke")).toHaveLength(flats);
    const watched = plan.devices.filter((d) => d.watch === "welfare");
    expect(watched.map((d) => [d.kind, d.where, d.config.guardian?.reportIntervalS])).toEqual([
      ["guardian", "3/301", PACES.fast.watchedReportS],
    ]);
    const lost = plan.devices.filter((d) => d.watch === "device-lost");
    expect(lost.map((d) => [d.kind, d.where, d.heartbeatS])).toEqual([
      ["smoke", "5/402", PACES.fast.lostHeartbeatS],
    ]);
    const chargers = plan.devices.filter((d) => d.kind === "charger");
    expect(chargers.map((d) => d.config.charger?.ports).sort()).toEqual([2, 2, 4, 4]);
    // A shed's chargers are numbered in device-id order, as the dashboard numbers them.
    const eastA = chargers.filter((d) => d.shed === "east-a");
    expect(eastA.map((d) => d.location)).toEqual(["charger-1", "charger-2", "charger-3"]);
    expect(eastA.map((d) => d.id)).toEqual(eastA.map((d) => d.id).sort());
    expect(eastA[0]!.where).toBe("3/east-a/charger-1");
  });
});

describe("the demo operator", () => {
  const port = (devicePort: number, state = "cut-overload"): OffPort => ({
    site: "s",
    shed: "east-a",
    deviceId: "0a0b0c0d",
    devicePort,
    state,
  });

  it("restores a port once it has been off for the wait, and forgets a port that came back", () => {
    const since = new Map<string, number>();
    expect(dueRestores(since, [port(0)], 1000, 5000)).toEqual([]);
    expect(dueRestores(since, [port(0), port(1)], 5999, 5000)).toEqual([]);
    expect(dueRestores(since, [port(0), port(1)], 6000, 5000)).toEqual([port(0)]);
    // Port 0 came back on by itself: forgotten; seen off again, the wait starts again.
    expect(dueRestores(since, [port(1)], 7000, 5000)).toEqual([]);
    expect(dueRestores(since, [port(0), port(1)], 11_000, 5000)).toEqual([port(1)]);
    expect(dueRestores(since, [port(0), port(1)], 16_000, 5000)).toEqual([port(0), port(1)]);
  });

  it("gives a reason for every cut and a full charge, and leaves faults and unknown states alone", () => {
    for (const s of [
      "cut-overload",
      "cut-shed-total",
      "cut-over-temp",
      "cut-short-circuit",
      "cut-illegal-load",
      "cut-time-limit",
      "cut-command",
      "full",
    ])
      expect(restoreReasonFor(s)).toMatch(
        /^Demo operator: .+; port checked, switching it back on\.$/,
      );
    expect(restoreReasonFor("fault")).toBeUndefined();
    expect(restoreReasonFor("off")).toBeUndefined();
  });
});
