/**
 * The listening schedule's trade-off, computed (simulator/physics/energy.ts,
 * gateway/downlink/interlink-budget.ts): for each battery board and schedule
 * (listening window W every P), the average current and the life on 2 x AA,
 * the worst-phase chance that a detector has not heard an interlinked
 * sounding 10 s after the gateway starts sending at 30 % radio loss, and how
 * many unconfirmed detectors one 9,600-baud line can carry resends for.
 * Deterministic: one run, no medians needed.
 *
 *   node dist/bench/battery-life.js [loss=0.3] [baud=9600]
 */
import {
  channelLoad,
  maxDetectorsPerLine,
  missProbability,
  resendIntervalMs,
} from "../gateway/downlink/interlink-budget.js";
import { BOARD_POWER, detectorEnergy, formatLife } from "../simulator/physics/energy.js";

const loss = Number(process.argv[2] ?? 0.3);
const baud = Number(process.argv[3] ?? 9600);
const SCHEDULES: [number, number][] = [
  [2000, 5],
  [1000, 5],
  [1000, 3],
  [500, 3],
  [300, 3],
  [150, 3],
  [100, 10],
  [100, 60],
];

const header = ["W ms", "P s", "R ms", "miss@10s", "max/line", "40 on a line"];
for (const b of Object.keys(BOARD_POWER)) header.push(`${b} µA`, `${b} life`);
const rows: string[][] = [header];
for (const [w, p] of SCHEDULES) {
  const s = { listenWindowMs: w, listenEveryS: p };
  const load = channelLoad(40, s, baud);
  const row = [
    String(w),
    String(p),
    String(resendIntervalMs(w, baud)),
    missProbability(s, loss, 10_000, baud).toExponential(1),
    String(maxDetectorsPerLine(s, baud)),
    `${(load.load * 100).toFixed(0)} %${load.fits ? "" : " (over)"}`,
  ];
  for (const b of Object.keys(BOARD_POWER)) {
    const e = detectorEnergy(b, { ...s, sampleIntervalS: 10, heartbeatS: 4 * 3600, baud })!;
    row.push(String(e.totalUa), formatLife(e.years));
  }
  rows.push(row);
}
const widths = header.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
for (const r of rows) console.log(r.map((c, i) => c.padStart(widths[i] ?? 0)).join("  "));
console.log(
  `\nloss ${loss * 100} %, ${baud} baud, samples every 10 s, heartbeat every 4 h; ` +
    "miss@10s: worst-phase chance a detector has not heard the sounding 10 s after the gateway starts; " +
    "max/line: unconfirmed detectors whose resends fit every window on one line",
);
const pico = detectorEnergy("PICO", {
  listenWindowMs: 0,
  listenEveryS: 1,
  sampleIntervalS: 10,
  heartbeatS: 14400,
  baud,
})!;
console.log(
  `floor without any listening: PICO ${pico.totalUa} µA (${formatLife(pico.years)}): sleep ${pico.sleepUa}, sampling ${pico.samplingUa}`,
);
