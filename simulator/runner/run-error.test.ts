/**
 * A run that cannot finish is a FAIL with a one-line reason in the summary and
 * in the JUnit report, never a stack trace.
 */
import { describe, expect, it } from "vitest";
import { sandboxRuntime } from "../devices/sandbox-runtime.js";
import { scenarioPassed, summaryText } from "../report/junit.js";
import { inProcessGateway } from "../run-files.js";
import { parseScenario } from "../scenario/load-scenario.js";
import { runScenario } from "./scenario-runner.js";

const SCENARIO = `
name: image that cannot be built
duration: 1m
transport: in-process
site:
  sheds: [{ id: s1 }]
  buses: [{ id: bus-1 }]
  devices:
    - { id: c1, kind: charger, board: ESP32, shed: s1, link: bus-1 }
expect:
  - no-cut: { device: c1 }
`;

describe("run errors", () => {
  it("reports a run error as a failure with its message and no stack trace", {
    timeout: 60_000,
  }, async () => {
    const loaded = parseScenario(SCENARIO, "s.yaml");
    if (!loaded.ok) throw new Error("scenario should validate");
    const r = await runScenario(loaded.scenario, {
      firmware: {
        imageFor: () => Promise.reject(new Error("image for c1 on ESP32: over budget")),
        runtime: sandboxRuntime,
      },
      gateway: inProcessGateway,
    });
    expect(scenarioPassed(r)).toBe(false);
    expect(r.error).toBe("image for c1 on ESP32: over budget");
    expect(summaryText([r])).toMatch(/^FAIL {2}image that cannot be built/);
    expect(summaryText([r])).not.toMatch(/\n\s+at /);
  });
});
