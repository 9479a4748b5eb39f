/**
 * Memory: (1) resident set of a running gateway with 10,000 registered
 * devices, each heard once (registry, counter windows, rate limiter, rules
 * state, merge window); (2) the de-duplication state (counter windows) of
 * 100,000 devices on its own. Prints per-run numbers and medians.
 */
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

async function gatewayRss(): Promise<{ rssMB: number; heapMB: number }> {
  const b = await startBenchGateway({ chargers: 500, detectors: 9500 });
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

const rss: number[] = [];
const heap: number[] = [];
const dedup: number[] = [];
const limiter: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const g = await gatewayRss();
  const d = dedupState(100_000);
  rss.push(g.rssMB);
  heap.push(g.heapMB);
  dedup.push(d.totalMB);
  limiter.push(d.limiterMB);
  console.log(
    `run: gateway with 10,000 devices RSS ${g.rssMB.toFixed(1)} MB (heap ${g.heapMB.toFixed(1)} MB); ` +
      `de-dup state for 100,000 devices ${d.totalMB.toFixed(2)} MB (${d.bytesPerDevice.toFixed(1)} B/device); ` +
      `rate-limit state ${d.limiterMB.toFixed(2)} MB`,
  );
}
console.log(
  `gateway-memory: median RSS ${median(rss).toFixed(1)} MB with 10,000 devices (heap ${median(heap).toFixed(1)} MB); ` +
    `median de-dup state ${median(dedup).toFixed(2)} MB for 100,000 devices (rate-limit state ${median(limiter).toFixed(2)} MB)`,
);
