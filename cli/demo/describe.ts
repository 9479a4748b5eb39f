/** What the demo prints: where to look at start, and now and then what it costs. */
import { siteName } from "./compounds.js";
import type { Demo } from "./start-demo.js";

export function describeDemo(d: Demo, login: { token: string; password: string }): string {
  const devices = d.sites.reduce((n, s) => n + s.plan.devices.length, 0);
  const lines = [
    "",
    `Haitang demo is running: ${d.sites.length} compounds, ${devices} simulated devices.`,
    `  Property dashboard : ${d.dashboard}   (token: ${login.token})`,
    `  District cockpit   : ${d.dashboard}#/cockpit`,
    `  Cloud broker       : ${d.cloud}`,
    `  Time series        : ${d.tsdb}`,
    "  Compounds (installer page, password: " + `${login.password}):`,
  ];
  for (const s of d.sites)
    lines.push(`    ${siteName(s.spec)} (${s.spec.id}): ${s.installer}   ${s.fleet.describe()}`);
  lines.push("Press Ctrl-C to stop.", "");
  return lines.join("\n");
}

export interface CpuSample {
  at: number;
  cpu: NodeJS.CpuUsage;
}

/** CPU share of one core since `last`, resident memory, incidents and restores so far. */
export function statsLine(d: Demo, last: CpuSample): { line: string; sample: CpuSample } {
  const sample = { at: performance.now(), cpu: process.cpuUsage() };
  const usedMs = (sample.cpu.user - last.cpu.user + sample.cpu.system - last.cpu.system) / 1000;
  const pct = (100 * usedMs) / Math.max(1, sample.at - last.at);
  const rssMB = process.memoryUsage().rss / 1024 / 1024;
  const r = d.restorer?.counts;
  return {
    sample,
    line:
      `stats: this process ${pct.toFixed(1)} % of a core, RSS ${rssMB.toFixed(0)} MB` +
      ` (Mosquitto and VictoriaMetrics are separate processes); incidents ${d.incidents.done}` +
      ` done, ${d.incidents.skipped} skipped; ports restored ${r?.restored ?? 0}` +
      `${r?.failed ? `, ${r.failed} restore attempts failed` : ""}`,
  };
}
