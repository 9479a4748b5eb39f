import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../common/paths.js";
import { flagsNotSetBy, GATEWAY_HEAP_LIMITS, heapLimitFlags } from "./heap-limits.js";

/**
 * A process that does what `haitang gateway` does (limits, then a worker with
 * its own isolate, then, if `again`, what the commit channel does once its worker runs), allocates like a busy
 * ingest (a fifth of the objects survive a scavenge or two), and prints its
 * young generation's size in MB.
 */
const ENTRY = `
import { Worker } from "node:worker_threads";
import { getHeapSpaceStatistics } from "node:v8";
import { applyHeapLimits, reapplyHeapLimits } from "./heap-limits.ts";
applyHeapLimits();
const w = new Worker("setTimeout(() => {}, 60000)", { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
w.once("online", () => {
  if (process.env.AGAIN === "1") reapplyHeapLimits();
  const keep = [];
  for (let i = 0; i < 2e6; i++) {
    const o = { n: i, b: Buffer.alloc(16), s: "f" + i };
    if (i % 5 === 0) keep.push(o);
    if (keep.length > 20000) keep.length = 0;
  }
  const ns = getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
  process.stdout.write(String(ns.space_size / 1048576));
  process.exit(0);
});
`;

/** Bundles `entry` (next to heap-limits.ts), runs it in node with `args`, returns its stdout. */
async function runBundled(
  entry: string,
  args: string[],
  env: Record<string, string>,
): Promise<string> {
  const outDir = join(repoRoot(), ".tmp");
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `heap-limits-${process.pid}-${++bundles}.mjs`);
  await build({
    stdin: { contents: entry, resolveDir: import.meta.dirname, loader: "ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    outfile,
    logLevel: "silent",
  });
  const r = spawnSync(process.execPath, [...args, outfile], {
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return r.stdout;
}
let bundles = 0;

async function youngGenerationMb(again: boolean): Promise<number> {
  return Number(await runBundled(ENTRY, [], { AGAIN: again ? "1" : "0" }));
}

describe("gateway heap limits", () => {
  it("names the V8 flags: the young generation never grows; old-space growth only when set", () => {
    expect(
      heapLimitFlags({ semiSpaceGrowthFactor: 1, growingPercent: 0, sparkplug: true }),
    ).toEqual(["--semi-space-growth-factor=1"]);
    expect(
      heapLimitFlags({ semiSpaceGrowthFactor: 1, growingPercent: 25, sparkplug: false }),
    ).toEqual(["--semi-space-growth-factor=1", "--heap-growing-percent=25", "--no-sparkplug"]);
  });

  it("caps the old generation's growth in what haitang gateway applies", () => {
    // Without a cap V8 held twice the live set at 10,000 devices (issue 15, gateway/README.md).
    const cap = heapLimitFlags(GATEWAY_HEAP_LIMITS).find((f) =>
      f.startsWith("--heap-growing-percent="),
    );
    expect(Number(cap?.split("=")[1])).toBeGreaterThan(0);
    expect(Number(cap?.split("=")[1])).toBeLessThanOrEqual(50);
  });

  it("leaves a flag the node options already set to them", () => {
    const flags = ["--semi-space-growth-factor=1", "--heap-growing-percent=30"];
    expect(flagsNotSetBy(flags, ["--heap-growing-percent=15", ""])).toEqual([
      "--semi-space-growth-factor=1",
    ]);
    expect(flagsNotSetBy(flags, ["--semi_space_growth_factor=2"])).toEqual([
      "--heap-growing-percent=30",
    ]);
    expect(flagsNotSetBy(flags, ["--cpu-prof", "--heap-growing"])).toEqual(flags);
    // Either form of a boolean flag on the command line wins over the gateway's.
    expect(flagsNotSetBy(["--no-sparkplug"], ["--sparkplug"])).toEqual([]);
    expect(flagsNotSetBy(["--no-sparkplug"], ["--no-sparkplug"])).toEqual([]);
    expect(flagsNotSetBy(["--no-sparkplug"], ["--sparkplug-needs-short-builtins"])).toEqual([
      "--no-sparkplug",
    ]);
  });

  it("leaves warm functions as bytecode once applied (no baseline machine code)", async () => {
    const tier = async (apply: boolean) => {
      const out = await runBundled(
        `import { applyHeapLimits } from "./heap-limits.ts";
if (process.env.APPLY === "1") applyHeapLimits();
function warm(x) { let s = 0; for (let i = 0; i < 10; i++) s += x * i; return s; }
const baseline = new Function("f", "return %ActiveTierIsSparkplug(f)");
let seen = false;
for (let i = 0; i < 20000; i++) { warm(i); if (i % 25 === 0 && baseline(warm)) seen = true; }
process.stdout.write(seen ? "baseline code" : "none");`,
        ["--allow-natives-syntax"],
        { APPLY: apply ? "1" : "0" },
      );
      return out;
    };
    // On its way to the optimizer a function spends some calls as baseline code by default.
    expect(await tier(false)).toBe("baseline code");
    expect(await tier(true)).toBe("none");
  }, 60_000);

  it("keeps the young generation at 2 MB under allocation once applied after the worker started", async () => {
    // Without the second application the worker's isolate set-up undoes the first.
    expect(await youngGenerationMb(false)).toBeGreaterThan(4);
    expect(await youngGenerationMb(true)).toBeLessThanOrEqual(2);
  }, 60_000);
});
