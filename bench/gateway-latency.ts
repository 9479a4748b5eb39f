/**
 * Frame arrival -> alarm downlink command, under 1,000 frames/s of background
 * load (50 chargers at 2 frames/s, 2,000 detectors at ~0.45 frames/s, inside
 * the default per-device rate limit). Every 25 ms a detector sends a smoke
 * alarm (a new event, ack requested); the standard "fire" rule raises the
 * alarm and sounds the other detectors of its building. Latency is from the
 * moment the frame was due (so event-loop stalls, e.g. commits, count) to the
 * first signed SOUND downlink leaving for the building. Prints p50/p99 per run
 * and the medians. BENCH_DISK_PRESSURE=1 adds a process that keeps the disk
 * busy with large fsynced writes (a loaded SD card: every fsync waits).
 */
import { FLAG_ACK_REQUESTED } from "../protocol/constants.js";
import { deframeAll } from "../protocol/framing.js";
import {
  median,
  nextFrame,
  percentile,
  smokeAlarm,
  startBenchGateway,
  startDiskPressure,
  statusMsgFor,
} from "./gateway-setup.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ALARMS = Number(process.env.BENCH_ALARMS ?? 300);
const ALARM_EVERY_MS = 25;
const BACKGROUND_PER_S = 1000;

async function once(): Promise<{ p50: number; p99: number; max: number }> {
  let waiting: { source: number; due: number } | undefined;
  const latencies: number[] = [];
  const b = await startBenchGateway({
    chargers: 50,
    detectors: 2000,
    onDownlink: (_d, type) => {
      if (type === "sound" && waiting) {
        latencies.push(performance.now() - waiting.due);
        waiting = undefined;
      }
    },
  });
  const gw = b.gw;
  const reading = { receiver: "mqtt" };
  const inject = (f: Uint8Array) => gw.injectFrame(deframeAll(f).frames[0]!, reading);
  const chargers = b.devices.filter((d) => d.kind === "charger");
  const detectors = b.devices.filter((d) => d.kind === "smoke");
  // Every detector is heard once, so the gateway knows the link back to it.
  for (const d of detectors) inject(nextFrame(d, statusMsgFor(0)));
  await new Promise((r) => setTimeout(r, 200));

  let bg = 0;
  const t0 = performance.now();
  const background = setInterval(() => {
    const due = Math.floor(((performance.now() - t0) / 1000) * BACKGROUND_PER_S);
    for (; bg < due; bg++) {
      const d =
        bg % 10 === 0
          ? chargers[(bg / 10) % chargers.length]!
          : detectors[(bg * 7919) % detectors.length]!;
      inject(nextFrame(d, statusMsgFor(bg)));
    }
  }, 5);
  let eventId = 1;
  for (let i = 0; i < ALARMS; i++) {
    const due = t0 + 200 + i * ALARM_EVERY_MS;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    const src = detectors[(i * 41) % detectors.length]!;
    waiting = { source: src.id, due };
    inject(nextFrame(src, smokeAlarm(eventId++), FLAG_ACK_REQUESTED));
  }
  await new Promise((r) => setTimeout(r, 100));
  clearInterval(background);
  const rate = bg / ((performance.now() - t0) / 1000);
  const limited = gw.running().counters.dropped["rate-limited"];
  await b.stop();
  const r = {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
  };
  console.log(
    `run: p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(2)} ms ` +
      `(${latencies.length} alarms, background ${Math.round(rate)} frames/s, ${limited} rate-limited)`,
  );
  return r;
}

const PRESSURE = process.env.BENCH_DISK_PRESSURE === "1";
const stopPressure = PRESSURE ? startDiskPressure() : undefined;
const runs = [];
try {
  for (let i = 0; i < RUNS; i++) runs.push(await once());
} finally {
  stopPressure?.();
}
console.log(
  `gateway-latency: frame -> alarm downlink median p50 ${median(runs.map((r) => r.p50)).toFixed(2)} ms, ` +
    `median p99 ${median(runs.map((r) => r.p99)).toFixed(2)} ms over ${RUNS} runs at ${BACKGROUND_PER_S} frames/s background${PRESSURE ? ", disk under pressure" : ""}`,
);
