/**
 * The demo's overload incident against the demo site's rules, on the virtual
 * clock, the charger on Wi-Fi (MQTT) with the fleet's 10 s telemetry as in
 * the demo: the charger cuts each overloaded port by itself (reason overload)
 * and the gateway raises port-overload, never illegal-load. A load that jumps
 * at once (the old 1,500 W heater) was cut first by the gateway's
 * illegal-load step rule whenever a reading came inside the charger's 3 s
 * overload window, as it always did in the demo.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { repoRoot } from "../../common/paths.js";
import { ChargerModel } from "../devices/charger-model.js";
import { createRng } from "../physics/prng.js";
import { scenarioPassed, summaryText } from "../report/junit.js";
import { firmwareSource, inProcessGateway } from "../run-files.js";
import { runScenario } from "../runner/scenario-runner.js";
import { parseScenario } from "../scenario/load-scenario.js";
import {
  type FleetEvent,
  type IncidentDevice,
  type IncidentHost,
  runIncident,
} from "./fleet-incidents.js";
import { FLEET_RATES } from "./fleet-plan.js";

/** The plugs of `n` overload incidents on one 4-port charger whose ports are all free. */
function overloadPlugs(n: number): { args: Record<string, unknown>; event: FleetEvent }[] {
  const model = new ChargerModel(createRng(5), 4);
  for (const p of model.ports) p.relayOn = true;
  const dev: IncidentDevice = { name: "chg-a", kind: "charger", location: "s1/charger-1", model };
  const out: { args: Record<string, unknown>; event: FleetEvent }[] = [];
  let args: Record<string, unknown> = {};
  const host: IncidentHost = {
    devices: [dev],
    rng: createRng(9),
    nowMs: () => 0,
    at: () => {},
    act: (_d, action, a) => {
      model.apply(action, a, 0);
      args = a;
    },
    onEvent: (event) => out.push({ args, event }),
  };
  for (let i = 0; i < n; i++) expect(runIncident(host, "overload")).toBe(true);
  return out;
}

describe("the demo's overload incident", () => {
  it("is cut by the charger itself and alarmed as port-overload under the demo site's rules", {
    timeout: 120_000,
  }, async () => {
    // Four of them 2.5 s apart: whatever the phase of the charger's telemetry
    // (every 10 s), one plug lands just before a reading, as in the demo.
    const plugs = overloadPlugs(4);
    const demo = parseYaml(
      readFileSync(join(repoRoot(), "gateway/config/examples/demo-site.yaml"), "utf8"),
    ) as { rules: Record<string, unknown>[] };
    expect(demo.rules.map((r) => r.id)).toEqual(
      expect.arrayContaining(["port-overload", "illegal-load", "illegal-load-cut"]),
    );
    const scenario = {
      name: "demo overload incident",
      seed: 41,
      duration: "4m",
      transport: "in-process",
      site: {
        sheds: [{ id: "s1", limitW: 8700 }],
        devices: [
          {
            id: "chg-a",
            kind: "charger",
            shed: "s1",
            link: "wifi",
            thresholds: { telemetryIntervalS: FLEET_RATES.chargerTelemetryS },
          },
        ],
      },
      gateway: { standardRules: false, rules: demo.rules },
      timeline: plugs.map((p, i) => ({
        at: `${60_000 + i * 2500}ms`,
        label: `overload-${i}`,
        plug: { device: "chg-a", ...p.args },
      })),
      expect: [
        ...plugs.map((p, i) => ({
          cut: {
            device: "chg-a",
            port: p.args.port,
            reason: "overload",
            within: "60s",
            after: `overload-${i}`,
          },
        })),
        { alarm: { kind: "port-overload", device: "chg-a", within: "60s", after: "overload-0" } },
        { "no-alarm": { kind: "illegal-load" } },
        { "no-cut": { device: "chg-a", reason: "illegal-load" } },
      ],
    };
    const loaded = parseScenario(toYaml(scenario), "demo-overload.yaml");
    if (!loaded.ok) throw new Error(JSON.stringify(loaded));
    const r = await runScenario(loaded.scenario, {
      firmware: firmwareSource("native"),
      gateway: inProcessGateway,
    });
    expect(scenarioPassed(r), summaryText([r])).toBe(true);
    // What the person watching reads: the port, the watts it reaches (over the
    // 1,100 W limit) and what it is.
    for (const { event } of plugs) {
      expect(event.detail).toMatch(
        /^port \d: \d+ W overload \(e-bike pack on a faulty \d+ A charger\)$/,
      );
      expect(Number(/(\d+) W/.exec(event.detail)?.[1])).toBeGreaterThan(1100);
    }
  });
});
