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
  children?: number[];
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
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
const perFile = new Map<string, number>();
let total = 0;
function shortUrl(url: string): string {
  return url.replace(/^.*\/node_modules\//, "").replace(/^file:\/\/.*\/(\.tmp|dist)\//, "");
}
function nameOf(f: ProfileNode["callFrame"]): string {
  return `${f.functionName || "(anonymous)"} ${shortUrl(f.url)}:${f.lineNumber + 1}`;
}
p.samples.forEach((id, i) => {
  const dt = p.timeDeltas[i] ?? 0;
  total += dt;
  const f = byId.get(id)!.callFrame;
  const short = shortUrl(f.url);
  const name = nameOf(f);
  self.set(name, (self.get(name) ?? 0) + dt);
  // Every function on the sample's stack, once (recursion counts once).
  const onStack = new Set<string>();
  for (let n: number | undefined = id; n !== undefined; n = parent.get(n))
    onStack.add(nameOf(byId.get(n)!.callFrame));
  for (const k of onStack) inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
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
console.log(`\ntotal time (self + callees), top ${top} functions:`);
for (const [k, v] of [...inclusive]
  .filter(([k]) => !k.startsWith("(root)") && !k.startsWith("(idle)"))
  .sort((a, b) => b[1] - a[1])
  .slice(0, top))
  console.log(`${pct(v)}  ${k}`);
