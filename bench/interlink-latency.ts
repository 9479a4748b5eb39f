/**
 * Interlink latency over many seeds: runs a scenario (default
 * scenarios/21-three-buildings-two-fires-lossy.yaml: 3 buildings x 40
 * sleeping detectors, 30 % loss on every receiver, two fires) once per seed
 * and measures, for every detector that sounded, the time from its
 * building's first fire alarm at the gateway to its sounding. Prints the
 * distribution over all detectors of all seeds (p50, p90, p99, p100), the
 * worst seed, and how many missed 10 s.
 *
 *   node dist/bench/interlink-latency.js [seeds=20] [scenario.yaml]
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../common/paths.js";
import { scenarioPassed } from "../simulator/report/junit.js";
import { runFiles } from "../simulator/run-files.js";
import { ImageCache } from "../simulator/runner/firmware-source.js";

const seeds = Number(process.argv[2] ?? 20);
const file =
  process.argv[3] ?? join(repoRoot(), "scenarios", "21-three-buildings-two-fires-lossy.yaml");

interface Rec {
  t: number;
  src: string;
  event: string;
  device?: string;
  kind?: string;
  transition?: string;
}

const pct = (xs: number[], p: number) =>
  xs[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] ?? Number.NaN;

const dir = mkdtempSync(join(tmpdir(), "haitang-interlink-"));
const images = new ImageCache();
const all: number[] = [];
let failedRuns = 0;
let worst = { seed: 0, ms: 0 };
const wallStart = performance.now();
try {
  for (let seed = 1; seed <= seeds; seed++) {
    const tracePath = join(dir, `${seed}.jsonl`);
    const [r] = await runFiles([file], { seed, tracePath, images, transport: "in-process" });
    if (!r || !scenarioPassed(r)) failedRuns++;
    const recs = readFileSync(tracePath, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Rec);
    const building = (d: string) => d.split("-")[0] ?? d;
    const firstAlarm = new Map<string, number>();
    for (const x of recs)
      if (
        x.src === "gateway" &&
        x.event === "alarm" &&
        x.kind === "fire" &&
        x.transition === "raised" &&
        x.device
      ) {
        const b = building(x.device);
        if (!firstAlarm.has(b)) firstAlarm.set(b, x.t);
      }
    for (const x of recs) {
      if (x.src !== "device" || x.event !== "sounding" || !x.device) continue;
      const from = firstAlarm.get(building(x.device));
      if (from === undefined || x.t < from) continue; // the detector that saw the smoke itself
      const ms = x.t - from;
      all.push(ms);
      if (ms > worst.ms) worst = { seed, ms };
    }
    process.stderr.write(`seed ${seed}: ${r && scenarioPassed(r) ? "PASS" : "FAIL"}\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
all.sort((a, b) => a - b);
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log(
  `scenario ${file.slice(repoRoot().length + 1)}, ${seeds} seeds, ${all.length} detectors sounded by interlink`,
);
console.log(
  `interlink latency (building's first fire alarm at the gateway -> detector sounding): ` +
    `p50 ${s(pct(all, 50))}, p90 ${s(pct(all, 90))}, p99 ${s(pct(all, 99))}, p100 ${s(all.at(-1) ?? Number.NaN)} (seed ${worst.seed})`,
);
console.log(
  `over 10 s: ${all.filter((x) => x > 10_000).length}; runs failing an expectation: ${failedRuns}/${seeds}`,
);
console.log(`wall ${((performance.now() - wallStart) / 1000).toFixed(0)} s`);
