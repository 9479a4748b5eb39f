/**
 * The gateway's recent readings at a 10,000-device site (issue 15: gateway
 * RSS): 1,000 chargers of 12 ports and 9,000 detectors, together 5,000 frames
 * a second in simulated time until the budget (1,000,000 readings) is full
 * and past it. Prints the readings held, the memory they take (V8 heap plus
 * ArrayBuffers, after a full collection), bytes per reading, and the time
 * record() takes per frame. Median of BENCH_RUNS runs.
 *
 *   npm run build && node --expose-gc dist/bench/readings-memory.js
 *   BENCH_RUNS=3 BENCH_SECONDS=300
 */
import { performance } from "node:perf_hooks";
import { RecentReadings } from "../gateway/readings/recent-readings.js";
import type { UplinkMsg } from "../protocol/messages.js";
import { median } from "./gateway-setup.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 300);
const DEVICES = 10_000;
const RATE = 5_000;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

function memory(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const charger = (t: number): UplinkMsg => ({
  type: "charger-telemetry",
  tempDeciC: 250 + (t % 50),
  ports: Array.from({ length: 12 }, (_, i) => ({
    powerW: (t * 7 + i * 13) % 900,
    energyWh: t,
    state: 1,
    relayOn: true,
  })),
});
const status = (t: number): UplinkMsg => ({
  type: "status",
  deviceKind: 1,
  batteryMv: 2900 + (t % 100),
  fwMajor: 1,
  fwMinor: 0,
  fwPatch: 0,
  uptimeS: t,
  resetCause: 0,
});

const rows: Array<{ held: number; mb: number; perReading: number; usPerFrame: number }> = [];
for (let run = 0; run < RUNS; run++) {
  // The messages are made once (the gateway decodes each frame anyway): only record() is timed.
  const msgs = Array.from({ length: DEVICES }, (_, d) => (d % 10 === 0 ? charger(d) : status(d)));
  const before = memory();
  let r: RecentReadings | undefined = new RecentReadings();
  const frames = SECONDS * RATE;
  const t0 = performance.now();
  for (let f = 0; f < frames; f++) {
    const d = f % DEVICES;
    r.record(d, msgs[d]!, 1_700_000_000_000 + (f * 1000) / RATE);
  }
  const ms = performance.now() - t0;
  const held = r.size();
  const bytes = memory() - before;
  rows.push({ held, mb: bytes / 1e6, perReading: bytes / held, usPerFrame: (ms * 1000) / frames });
  console.log(
    `run ${run + 1}: ${held.toLocaleString("en")} readings in ${r.seriesHeld().toLocaleString("en")} series, ${(bytes / 1e6).toFixed(1)} MB (${(bytes / held).toFixed(1)} bytes a reading), record() ${((ms * 1000) / frames).toFixed(2)} µs a frame`,
  );
  r = undefined;
}
console.log(
  `readings-memory: ${DEVICES.toLocaleString("en")} devices, ${SECONDS} s at ${RATE.toLocaleString("en")} frames/s, median of ${RUNS}: ${median(rows.map((x) => x.mb)).toFixed(1)} MB, ${median(rows.map((x) => x.perReading)).toFixed(1)} bytes a reading, record() ${median(rows.map((x) => x.usPerFrame)).toFixed(2)} µs a frame`,
);
