/**
 * JUnit XML (the Ant/Surefire dialect every CI reads): one <testsuite> per
 * scenario file, one <testcase> per expectation, <failure> with the reason.
 */
import type { ChannelSummary } from "../links/radio-medium.js";
import { type BatteryLife, describeBatteryLife } from "./battery-life.js";

export interface CaseResult {
  name: string;
  pass: boolean;
  /** Why it passed or failed, in one line. */
  detail: string;
}

export interface ScenarioResult {
  name: string;
  file: string;
  /** Wall-clock seconds the run took. */
  wallS: number;
  /** Simulated seconds. */
  simulatedS: number;
  seed: number;
  cases: CaseResult[];
  /** Set when the scenario could not run (invalid file, crash). */
  error?: string;
  /** Expected battery life of the battery devices at their schedule (physics/energy.ts). */
  battery?: BatteryLife[];
  /** Airtime per receiver channel (links/radio-channel.ts), when the radio has the airtime model. */
  channels?: ChannelSummary[];
}

function esc(s: string): string {
  return (
    s
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "")
  );
}

export function junitXml(results: ScenarioResult[]): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const tests = results.reduce((n, r) => n + Math.max(r.cases.length, 1), 0);
  const failures = results.reduce((n, r) => n + r.cases.filter((c) => !c.pass).length, 0);
  const errors = results.filter((r) => r.error).length;
  const time = results.reduce((n, r) => n + r.wallS, 0);
  lines.push(
    `<testsuites name="haitang-sim" tests="${tests}" failures="${failures}" errors="${errors}" time="${time.toFixed(3)}">`,
  );
  for (const r of results) {
    const f = r.cases.filter((c) => !c.pass).length;
    lines.push(
      `  <testsuite name="${esc(r.name)}" file="${esc(r.file)}" tests="${Math.max(r.cases.length, 1)}" failures="${f}" errors="${r.error ? 1 : 0}" time="${r.wallS.toFixed(3)}">`,
      `    <properties><property name="seed" value="${r.seed}"/><property name="simulatedS" value="${r.simulatedS}"/></properties>`,
    );
    if (r.error) {
      lines.push(
        `    <testcase classname="${esc(r.file)}" name="run" time="${r.wallS.toFixed(3)}">`,
        `      <error message="${esc(r.error.split("\n")[0] ?? "")}">${esc(r.error)}</error>`,
        "    </testcase>",
      );
    }
    for (const c of r.cases) {
      lines.push(`    <testcase classname="${esc(r.file)}" name="${esc(c.name)}" time="0">`);
      if (!c.pass)
        lines.push(`      <failure message="${esc(c.detail)}">${esc(c.detail)}</failure>`);
      else lines.push(`      <system-out>${esc(c.detail)}</system-out>`);
      lines.push("    </testcase>");
    }
    lines.push("  </testsuite>");
  }
  lines.push("</testsuites>");
  return lines.join("\n") + "\n";
}

export function scenarioPassed(r: ScenarioResult): boolean {
  return !r.error && r.cases.length > 0 && r.cases.every((c) => c.pass);
}

/** The readable summary printed after a run. */
export function summaryText(results: ScenarioResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    const ok = scenarioPassed(r);
    out.push(
      `${ok ? "PASS" : "FAIL"}  ${r.name}  (${r.file}, seed ${r.seed}, ${formatS(r.simulatedS)} simulated in ${r.wallS.toFixed(1)} s)`,
    );
    if (r.error) out.push(`      error: ${r.error}`);
    for (const c of r.cases) out.push(`      ${c.pass ? "ok  " : "FAIL"} ${c.name}: ${c.detail}`);
    for (const c of r.channels ?? []) out.push(`      channel ${describeChannel(c)}`);
    for (const b of r.battery ?? []) out.push(`      battery ${describeBatteryLife(b)}`);
  }
  const passed = results.filter(scenarioPassed).length;
  const cases = results.flatMap((r) => r.cases);
  out.push(
    "",
    `${passed}/${results.length} scenarios passed; ` +
      `${cases.filter((c) => c.pass).length}/${cases.length} expectations met`,
  );
  return out.join("\n");
}

function formatS(s: number): string {
  if (s < 120) return `${s.toFixed(0)} s`;
  if (s < 7200) return `${(s / 60).toFixed(0)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** "rx-1 at 9600 baud: busiest 10 s offered 23 % of the line, 4 collisions, longest downlink queue 62 ms". */
export function describeChannel(c: ChannelSummary): string {
  return (
    `${c.receiver} at ${c.baud} baud: busiest 10 s offered ${Math.round(c.peakLoad10s * 100)} % of the line, ` +
    `${c.collisions} collisions, longest downlink queue ${Math.round(c.maxQueueMs)} ms`
  );
}
