/**
 * Runs the scenario library (scenarios/*.yaml) end to end: built firmware in
 * the sandbox, the gateway service, real pseudo-terminals and MQTT brokers,
 * in virtual time. Every scenario must PASS; a scenario with a deliberately
 * wrong expectation must FAIL; the JUnit report and the trace are written.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../common/paths.js";
import type { ScenarioResult } from "./report/junit.js";
import { junitXml, scenarioPassed, summaryText } from "./report/junit.js";
import { runFiles } from "./run-files.js";
import { ImageCache } from "./runner/firmware-source.js";

const root = repoRoot();
const library = readdirSync(join(root, "scenarios"))
  .filter((f) => f.endsWith(".yaml"))
  .sort()
  .map((f) => join(root, "scenarios", f));
const images = new ImageCache();
const dir = mkdtempSync(join(tmpdir(), "haitang-sim-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("scenario library", () => {
  it("has at least 12 scenarios", () => {
    expect(library.length).toBeGreaterThanOrEqual(12);
  });

  for (const file of library) {
    // The 30-day guardian run takes about a minute alone, longer on a busy machine.
    it(`passes ${file.slice(root.length + 1)}`, { timeout: 300_000 }, async () => {
      const [r] = await runFiles([file], { images });
      expect(r, summaryText([r!])).toBeDefined();
      if (!scenarioPassed(r!)) throw new Error(summaryText([r!]));
      expect(r!.cases.length).toBeGreaterThan(0);
    });
  }
});

describe("other ways to run the library", () => {
  it("passes a scenario over in-memory serial lines with the firmware apps run natively", {
    timeout: 120_000,
  }, async () => {
    const file = library.find((f) => f.includes("07-port-overload"))!;
    const [r] = await runFiles([file], { transport: "in-process", runtime: "native" });
    if (!scenarioPassed(r!)) throw new Error(summaryText([r!]));
    expect(r!.cases.length).toBeGreaterThan(0);
  });
});

describe("the library at other seeds", () => {
  // Scenario 11 once failed at seed 4: its shed had no refuse mark, so the gateway's default
  // (limit - 700 W) refused the fourth session whenever the charger's telemetry got through.
  it("passes the shed-total scenario at a seed other than its own", {
    timeout: 120_000,
  }, async () => {
    const file = library.find((f) => f.includes("11-shed-total-overload"))!;
    const [r] = await runFiles([file], { images, seed: 4, transport: "in-process" });
    if (!scenarioPassed(r!)) throw new Error(summaryText([r!]));
  });
});

describe("verdicts that can fail", () => {
  let result: ScenarioResult | undefined;
  it("fails a scenario whose expectation is deliberately wrong, and says which", {
    timeout: 120_000,
  }, async () => {
    const trace = join(dir, "wrong.jsonl");
    [result] = await runFiles([join(root, "simulator", "fixtures", "wrong-expectation.yaml")], {
      images,
      tracePath: trace,
    });
    const r = result!;
    expect(r.error).toBeUndefined();
    expect(scenarioPassed(r)).toBe(false);
    expect(r.cases.map((c) => c.pass)).toEqual([true, false, false, true]);
    expect(r.cases[1]!.detail).toContain("no over-temp cut of port 1");
    expect(r.cases[2]!.detail).toContain("port-overload alarm");
    const xml = junitXml([r]);
    expect(xml).toContain('failures="2"');
    const lines = readFileSync(trace, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { src: string; event: string });
    expect(lines.some((l) => l.src === "device" && l.event === "relay-off")).toBe(true);
    expect(lines.some((l) => l.src === "gateway" && l.event === "counters")).toBe(true);
  });

  it("reports an invalid scenario as an error without running it", async () => {
    const [r] = await runFiles([join(root, "simulator", "fixtures", "no-such-file.yaml")]);
    expect(r!.error).toContain("cannot read");
    expect(scenarioPassed(r!)).toBe(false);
  });
});
