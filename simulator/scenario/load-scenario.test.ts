import { describe, expect, it } from "vitest";
import { formatErrors, parseScenario } from "./load-scenario.js";

const GOOD = `
name: fire in flat 101
seed: 3
duration: 30m
site:
  buildings:
    - { id: b1, flats: ["101", "102"] }
  receivers:
    - { id: rx-1, loss: 0.05 }
  devices:
    - { id: det-101, kind: smoke, flat: b1/101, link: radio }
    - { id: det-102, kind: smoke, flat: b1/102, link: radio }
timeline:
  - at: 5m
    label: fire
    smoke: { device: det-101, profile: flaming }
  - at: 1m
    link-down: { link: rx-1, for: 30s }
expect:
  - alarm: { kind: fire, device: det-101, within: 2m, after: fire }
  - sounded: { device: det-102, within: 3m, after: fire }
`;

function errorsOf(text: string) {
  const r = parseScenario(text, "s.yaml");
  if (r.ok) throw new Error("expected errors");
  return r.errors;
}

describe("scenario validation", () => {
  it("accepts a well-formed scenario and orders its timeline", () => {
    const r = parseScenario(GOOD, "s.yaml");
    if (!r.ok) throw new Error(formatErrors("s.yaml", r.errors));
    expect(r.scenario.durationMs).toBe(30 * 60_000);
    expect(r.scenario.steps.map((s) => s.action)).toEqual(["link-down", "smoke"]);
    expect(r.scenario.labels.get("fire")).toBe(5 * 60_000);
  });

  it("names the path, line and key of an unknown key", () => {
    const errs = errorsOf(
      GOOD.replace(
        "{ device: det-101, profile: flaming }",
        "{ devcie: det-101, profile: flaming }",
      ),
    );
    const e = errs.find((x) => x.message.includes("devcie"));
    expect(e?.path).toBe("/timeline/0/smoke/devcie");
    expect(e?.line).toBe(16);
    expect(errs.some((x) => x.path === "/timeline/0/smoke" && x.message.includes("device"))).toBe(
      true,
    );
  });

  it("rejects a misspelt device id before anything runs, naming the known ones", () => {
    const errs = errorsOf(GOOD.replace("sounded: { device: det-102", "sounded: { device: det-1O2"));
    expect(errs).toHaveLength(1);
    expect(errs[0]!.path).toBe("/expect/1/sounded/device");
    expect(errs[0]!.message).toContain("unknown device 'det-1O2'");
    expect(errs[0]!.message).toContain("det-101, det-102");
  });

  it("rejects bad values, unknown labels, links, flats and a step with two actions", () => {
    const errs = errorsOf(
      GOOD.replace("within: 2m, after: fire", "within: 2 minutes, after: blaze")
        .replace("link-down: { link: rx-1", "link-down: { link: rx-9")
        .replace("flat: b1/102", "flat: b1/103")
        .replace("profile: flaming }", "profile: flaming }\n    reboot: { device: det-101 }"),
    );
    const paths = errs.map((e) => e.path);
    expect(paths).toContain("/expect/0/alarm/within");
    expect(errs.find((e) => e.path === "/expect/0/alarm/within")?.message).toContain('"2 minutes"');
    expect(errs.length).toBeGreaterThanOrEqual(1);
    const second = errorsOf(
      GOOD.replace("after: fire }", "after: blaze }")
        .replace("link-down: { link: rx-1", "link-down: { link: rx-9")
        .replace("flat: b1/102", "flat: b1/103")
        .replace("profile: flaming }", "profile: flaming }\n    reboot: { device: det-101 }"),
    ).map((e) => `${e.path} ${e.message}`);
    expect(second.some((e) => e.startsWith("/expect/0/alarm/after unknown label 'blaze'"))).toBe(
      true,
    );
    expect(second.some((e) => e.startsWith("/timeline/1/link-down/link unknown link 'rx-9'"))).toBe(
      true,
    );
    expect(second.some((e) => e.startsWith("/site/devices/1/flat unknown flat 'b1/103'"))).toBe(
      true,
    );
    expect(second.some((e) => e.startsWith("/timeline/0 needs exactly one action"))).toBe(true);
  });

  it("rejects a device of the wrong kind for an action and YAML syntax errors", () => {
    const errs = errorsOf(
      GOOD.replace(
        "- at: 1m\n    link-down: { link: rx-1, for: 30s }",
        "- at: 1m\n    plug: { device: det-101, port: 0, load: heater }",
      ),
    );
    expect(errs[0]!.message).toContain("is a smoke, not a charger");
    const syntax = errorsOf("name: [unclosed\n");
    expect(syntax[0]!.line).toBeDefined();
  });
});

describe("scenario boards", () => {
  const withDevice = (dev: string) => `
name: boards
duration: 5m
site:
  sheds: [{ id: s1 }]
  buses: [{ id: bus-1 }]
  devices:
    - ${dev}
expect:
  - no-cut: { device: c1 }
`;

  it("accepts a 12-port charger on an ESP32", () => {
    const r = parseScenario(
      withDevice(
        "{ id: c1, kind: charger, board: ESP32, shed: s1, link: bus-1, thresholds: { ports: 12 } }",
      ),
      "s.yaml",
    );
    if (!r.ok) throw new Error(formatErrors("s.yaml", r.errors));
  });

  it("rejects an unknown board and a board unfit for the kind, naming the path", () => {
    const unknown = errorsOf(
      withDevice("{ id: c1, kind: charger, board: ARDUINO, shed: s1, link: bus-1 }"),
    );
    expect(unknown[0]?.path).toBe("/site/devices/0/board");
    expect(unknown[0]?.message).toMatch(/unknown board 'ARDUINO'/);
    const unfit = errorsOf(
      withDevice("{ id: c1, kind: charger, board: PUCKJS, shed: s1, link: bus-1 }"),
    );
    expect(unfit[0]?.message).toMatch(/PUCKJS does not support kind 'charger'/);
  });
});
