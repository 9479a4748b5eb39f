/**
 * The listening schedule's trade-off, computed (simulator/physics/energy.ts,
 * gateway/downlink/interlink-budget.ts). Two tables:
 * - listening windows (W every P, the board and a UART radio awake in each):
 *   average current and life on 2 x AA per battery board, the worst-phase
 *   chance that a detector has not heard an interlinked sounding 10 s after
 *   the gateway starts at 30 % radio loss on one receiver, and how many
 *   unconfirmed detectors one line can carry unicast resends for;
 * - wake-on-radio (the default): the module sniffs every S ms, the gateway
 *   sends a wake-up preamble of S + 20 ms before each group sounding round;
 *   the same miss chance on one receiver and on three, the line's load for
 *   two burning buildings of 40, and per board the current, the life on
 *   2 x AA and on the smallest sealed lithium cell that reaches 10 years.
 * Deterministic: one run, no medians needed.
 *
 *   node dist/bench/battery-life.js [loss=0.3] [baud=9600]
 */
import {
  channelLoad,
  maxDetectorsPerLine,
  missProbability,
  resendIntervalMs,
  worChannelLoad,
  worMissProbability,
  worRoundIntervalMs,
} from "../gateway/downlink/interlink-budget.js";
import {
  BOARD_POWER,
  cellFor,
  type DetectorDuty,
  detectorEnergy,
  formatLife,
  TWO_AA,
} from "../simulator/physics/energy.js";

const loss = Number(process.argv[2] ?? 0.3);
const baud = Number(process.argv[3] ?? 9600);
const BASE = { sampleIntervalS: 10, heartbeatS: 4 * 3600, baud };
const WINDOWS: [number, number][] = [
  [2000, 5],
  [1000, 5],
  [1000, 3],
  [300, 3],
  [150, 3],
  [100, 10],
  [100, 60],
];
const SNIFFS = [250, 500, 1000, 2000, 4000];

function print(rows: string[][]): void {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  for (const r of rows) console.log(r.map((c, i) => c.padStart(widths[i] ?? 0)).join("  "));
}

function boardCells(d: DetectorDuty, row: string[], lithium: boolean): void {
  for (const b of Object.keys(BOARD_POWER)) {
    const e = detectorEnergy(b, d)!;
    const best = cellFor(e.totalUa);
    const cell =
      !lithium || best.cell === TWO_AA
        ? ""
        : ` (${formatLife(best.years)} ${best.cell.name.split(" (")[0]})`;
    row.push(String(e.totalUa), `${formatLife(e.years)}${cell}`);
  }
}

const boards = Object.keys(BOARD_POWER);
console.log("Listening windows (board and UART radio awake in each window)\n");
const win: string[][] = [
  ["W ms", "P s", "R ms", "miss@10s", "max/line", "40 on a line"].concat(
    boards.flatMap((b) => [`${b} µA`, `${b} on 2 x AA`]),
  ),
];
for (const [w, p] of WINDOWS) {
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
  boardCells({ ...BASE, ...s }, row, false);
  win.push(row);
}
print(win);

console.log(
  "\nWake-on-radio (module sniffs every S ms; 1,000 ms windows after uplinks and wake-ups)\n",
);
const wor: string[][] = [
  ["S ms", "round ms", "miss@10s x1", "miss@10s x3", "2 x 40 load"].concat(
    boards.flatMap((b) => [`${b} µA`, `${b} life`]),
  ),
];
for (const s of SNIFFS) {
  const load = worChannelLoad(2, 40, s, baud);
  const row = [
    String(s),
    String(worRoundIntervalMs(s)),
    worMissProbability(s, loss, 10_000, baud, 1).toExponential(1),
    worMissProbability(s, loss, 10_000, baud, 3).toExponential(1),
    `${(load.load * 100).toFixed(0)} %`,
  ];
  boardCells({ ...BASE, listenWindowMs: 1000, listenEveryS: 0, sniffEveryMs: s }, row, true);
  wor.push(row);
}
print(wor);
console.log(
  `\nloss ${loss * 100} %, ${baud} baud, samples every 10 s, heartbeat every 4 h, 4 wake-ups a day; ` +
    "miss@10s: worst-phase chance a detector has not heard the sounding 10 s after the gateway starts " +
    "(x1: one receiver, x3: three); max/line: unconfirmed detectors whose unicast resends fit every " +
    "window; 2 x 40 load: two burning buildings of 40 on one line, group rounds plus the acks; " +
    "a life in brackets is on the smallest sealed lithium cell that reaches 10 years, for boards " +
    "under 5 years on 2 x AA",
);
