/**
 * Memory: (1) resident set of a running gateway with 10,000 registered
 * devices, each heard once (registry, counter windows, rate limiter, rules
 * state, merge window); (2) the de-duplication state (counter windows) of
 * 100,000 devices on its own. Prints per-run numbers and medians.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { CounterTable } from "../gateway/dedup/counter-table.js";
import { RateLimiter } from "../gateway/pipeline/rate-limit.js";
import { deframeAll } from "../protocol/framing.js";
import {
  median,
  nextFrame,
  startBenchGateway,
  statusMsgFor,
  telemetryMsg,
} from "./gateway-setup.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const MB = 1024 * 1024;

function settle(): NodeJS.MemoryUsage {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage();
}

async function gatewayRss(devices: number): Promise<{ rssMB: number; heapMB: number }> {
  const b = await startBenchGateway({
    chargers: Math.round(devices * 0.05),
    detectors: devices - Math.round(devices * 0.05),
  });
  const reading = { receiver: "mqtt" };
  for (const d of b.devices) {
    const f = nextFrame(d, d.kind === "charger" ? telemetryMsg(d.id) : statusMsgFor(d.id));
    b.gw.injectFrame(deframeAll(f).frames[0]!, reading);
  }
  const committer = b.gw.running().committer;
  while (committer.stats.committed < b.devices.length) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 200));
  const m = settle();
  const out = { rssMB: m.rss / MB, heapMB: m.heapUsed / MB };
  await b.stop();
  return out;
}

function dedupState(devices: number): {
  bytesPerDevice: number;
  totalMB: number;
  limiterMB: number;
} {
  const before = settle();
  const table = new CounterTable();
  for (let i = 0; i < devices; i++) {
    table.accept(0x30000000 + i, 5);
    table.accept(0x30000000 + i, 7);
  }
  const after = settle();
  const used = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
  const limiter = new RateLimiter({ perSecond: 2, burst: 30 });
  for (let i = 0; i < devices; i++) limiter.take(0x30000000 + i, 1);
  const after2 = settle();
  const limUsed = after2.heapUsed + after2.arrayBuffers - (after.heapUsed + after.arrayBuffers);
  if (table.size() !== devices || table.check(0x30000000, 6) !== "ok") throw new Error("bad table");
  if (!limiter.take(0x30000000, 2)) throw new Error("bad limiter");
  return { bytesPerDevice: used / devices, totalMB: used / MB, limiterMB: limUsed / MB };
}

/** Each gateway measurement runs in a fresh process: RSS never shrinks after a previous run. */
function inChild(devices: number): { rssMB: number; heapMB: number } {
  const r = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), "--child", String(devices)],
    {
      encoding: "utf8",
    },
  );
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as { rssMB: number; heapMB: number };
}

if (process.argv[2] === "--child") {
  console.log(JSON.stringify(await gatewayRss(Number(process.argv[3]))));
  process.exit(0);
}

const base: number[] = [];
const rss: number[] = [];
const heap: number[] = [];
const dedup: number[] = [];
const limiter: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const empty = inChild(0);
  const g = inChild(10_000);
  const d = dedupState(100_000);
  base.push(empty.rssMB);
  rss.push(g.rssMB);
  heap.push(g.heapMB);
  dedup.push(d.totalMB);
  limiter.push(d.limiterMB);
  console.log(
    `run: gateway RSS ${empty.rssMB.toFixed(1)} MB with no devices, ${g.rssMB.toFixed(1)} MB with 10,000 devices heard (heap ${g.heapMB.toFixed(1)} MB); ` +
      `de-dup state for 100,000 devices ${d.totalMB.toFixed(2)} MB (${d.bytesPerDevice.toFixed(1)} B/device); ` +
      `rate-limit state ${d.limiterMB.toFixed(2)} MB`,
  );
}
console.log(
  `gateway-memory: median RSS ${median(rss).toFixed(1)} MB with 10,000 devices (${median(base).toFixed(1)} MB with none, heap ${median(heap).toFixed(1)} MB); ` +
    `median de-dup state ${median(dedup).toFixed(2)} MB for 100,000 devices (rate-limit state ${median(limiter).toFixed(2)} MB)`,
);
