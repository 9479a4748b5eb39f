/**
 * Top self-time functions of a V8 .cpuprofile (node --cpu-prof, e.g. the
 * gateway child of bench/gateway-e2e.ts with BENCH_PROFILE=dir), and self
 * time per source file. `(idle)` is time the thread waited for work.
 *   node dist/bench/profile-summary.js file.cpuprofile [top=25]
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const file = process.argv[2];
if (!file) {
  console.error("usage: profile-summary file.cpuprofile [top]");
  process.exit(2);
}
const top = Number(process.argv[3] ?? 25);
const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
const perFile = new Map<string, number>();
let total = 0;
p.samples.forEach((id, i) => {
  const dt = p.timeDeltas[i] ?? 0;
  total += dt;
  const f = byId.get(id)!.callFrame;
  const short = f.url
    .replace(/^.*\/node_modules\//, "")
    .replace(/^file:\/\/.*\/(\.tmp|dist)\//, "");
  const name = `${f.functionName || "(anonymous)"} ${short}:${f.lineNumber + 1}`;
  self.set(name, (self.get(name) ?? 0) + dt);
  const where = f.url
    ? short.replace(/\/[^/]*$/, (m) => (short.includes("/") ? m : ""))
    : f.functionName;
  perFile.set(where, (perFile.get(where) ?? 0) + dt);
});
const pct = (x: number) => `${((100 * x) / total).toFixed(1).padStart(5)} %`;
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled\n\nself time, top ${top} functions:`);
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${pct(v)}  ${k}`);
console.log("\nself time by file (top 15):");
for (const [k, v] of [...perFile].sort((a, b) => b[1] - a[1]).slice(0, 15))
  console.log(`${pct(v)}  ${k}`);
