/**
 * The welfare rule (gateway/rules/welfare.ts) over months of ordinary life:
 * R guardian residents x D days of varied routines (wake 06:30-08:30, an
 * afternoon nap of 1-2 h on most days, bed 21:00-22:30, motion every 5-20 min
 * while up), their sensors' reports every 15 min (and at once after a quiet
 * spell), run through the rule engine with a tick every virtual minute.
 * Prints resident-days evaluated per second, reports per second, the cost of
 * one tick per 1,000 residents (the gateway ticks its rules every second),
 * the rule state's heap per resident, and the welfare alarms raised (an
 * ordinary routine must raise none). Medians of RUNS runs.
 * Run: npm run build && node --expose-gc dist/bench/welfare-rule.js [residents] [days] [runs]
 */
import { loadavg } from "node:os";
import { device, harness, siteFrom } from "../gateway/rules/testing.js";
import { type ActivityAt, reportStream } from "../gateway/rules/welfare/report-stream.js";
import type { DeviceRecord } from "../gateway/types.js";

const RESIDENTS = Number(process.argv[2] ?? 100);
const DAYS = Number(process.argv[3] ?? 30);
const RUNS = Number(process.argv[4] ?? 3);
const MIN = 60_000;
/** Day 0 = Monday 2025-01-06, local UTC+8 (the rule's default offset). */
const local = (d: number, minutes: number) => Date.UTC(2025, 0, 6 + d) - 480 * MIN + minutes * MIN;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A small deterministic generator (the same routines every run). */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function dayOf(rand: () => number, d: number): ActivityAt[] {
  const wake = 390 + Math.floor(rand() * 120);
  const bed = 1260 + Math.floor(rand() * 90);
  const nap = rand() < 0.7 ? { from: 780 + Math.floor(rand() * 120), len: 60 + rand() * 60 } : null;
  const out: ActivityAt[] = [];
  // A toilet trip most nights.
  if (rand() < 0.6) out.push({ atMs: local(d, 120 + Math.floor(rand() * 180)), kind: "motion" });
  for (let m = wake; m < bed; m += 5 + rand() * 15) {
    if (nap && m >= nap.from && m < nap.from + nap.len) continue;
    out.push({ atMs: local(d, m), kind: rand() < 0.05 ? "door" : "motion" });
  }
  return out;
}

const site = siteFrom(`rules:
  - id: welfare
    kind: welfare
    window: { from: "07:00", to: "22:00" }
    maxIdleS: 10800
`);

interface RunResult {
  wallMs: number;
  cpuMs: number;
  sendMs: number;
  tickMs: number;
  reports: number;
  ticks: number;
  alarms: number;
  heapPerResident: number;
}

function once(): RunResult {
  const residents: DeviceRecord[] = Array.from({ length: RESIDENTS }, (_, i) =>
    device(0xd0000 + i, "guardian", {
      building: `b${i % 40}`,
      location: `${100 + i}`,
      heartbeatS: 900,
    }),
  );
  const rands = residents.map((_, i) => lcg(1000 + i));
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const h = harness(site, residents, local(0, 0));
  let sendMs = 0;
  let tickMs = 0;
  let reports = 0;
  let ticks = 0;
  let alarms = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let d = 0; d < DAYS; d++) {
    const from = local(d, 0);
    const to = local(d + 1, 0);
    const day = residents.flatMap((r, i) =>
      reportStream(dayOf(rands[i]!, d), from, to, 900).map((rep) => ({ r, rep })),
    );
    day.sort((a, b) => a.rep.at - b.rep.at);
    let i = 0;
    for (let t = from; t < to; t += MIN) {
      const s = performance.now();
      while (i < day.length && day[i]!.rep.at <= t) {
        const { r, rep } = day[i++]!;
        const acts = h.send(
          r,
          {
            type: "guardian-activity",
            doorOpens: rep.doorOpens,
            motionCount: rep.motionCount,
            idleS: rep.idleS,
            batteryMv: rep.batteryMv,
          },
          rep.at,
        );
        reports++;
        for (const a of acts) if (a.type === "raise-alarm") alarms++;
      }
      const k = performance.now();
      for (const a of h.tick(t)) if (a.type === "raise-alarm") alarms++;
      ticks++;
      tickMs += performance.now() - k;
      sendMs += k - s;
    }
  }
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpuMs = (c.user + c.system) / 1000;
  gc?.();
  const heapPerResident = (process.memoryUsage().heapUsed - heap0) / RESIDENTS;
  void h.state;
  return { wallMs, cpuMs, sendMs, tickMs, reports, ticks, alarms, heapPerResident };
}

const results: RunResult[] = [];
for (let i = 0; i < RUNS; i++) results.push(once());
const m = (f: (r: RunResult) => number) => median(results.map(f));
console.log(
  `welfare rule: ${RESIDENTS} residents x ${DAYS} days, tick every virtual minute, median of ${RUNS} (load ${loadavg()[0]!.toFixed(1)})`,
);
console.log(
  `  resident-days/s          ${m((r) => (RESIDENTS * DAYS) / (r.wallMs / 1000)).toFixed(0)}`,
);
console.log(
  `  resident-days/CPU-s      ${m((r) => (RESIDENTS * DAYS) / (r.cpuMs / 1000)).toFixed(0)}`,
);
console.log(`  reports/s (rule only)    ${m((r) => r.reports / (r.sendMs / 1000)).toFixed(0)}`);
console.log(
  `  tick per 1,000 residents ${m((r) => ((r.tickMs / r.ticks) * 1000) / RESIDENTS).toFixed(3)} ms`,
);
console.log(`  reports per resident-day ${m((r) => r.reports / (RESIDENTS * DAYS)).toFixed(1)}`);
console.log(
  `  heap per resident        ${(m((r) => r.heapPerResident) / 1024).toFixed(1)} KB (rule state after ${DAYS} days)`,
);
console.log(`  welfare alarms raised    ${m((r) => r.alarms)} (ordinary routines: should be 0)`);
console.log(`  wall per run             ${(m((r) => r.wallMs) / 1000).toFixed(1)} s`);
