/**
 * Firmware memory on the REAL Espruino interpreter: every (kind, board) pair a
 * board is fit for, built as `haitang flash` builds it, installed in Storage
 * as `haitang flash` installs it, booted with load() in Espruino's Linux build
 * compiled with that board's JsVar count, and driven through its duty while
 * process.memory() is read:
 *
 *   smoke     samples; smoke confirmed -> alarm (its frames left unacked, so
 *             retries pile up); interlink "sound fire"; hush
 *   charger   12 ports sampled every 50 ms; overload, short-circuit, shed-total
 *             and over-temperature cut-offs (events unacked), relay-on restores
 *   guardian  door and motion activity, activity reports, a self-test command
 *
 * A measurement, not a test. Bring your own interpreter (see
 * bench/espruino-process.ts for ESPRUINO_BIN / ESPRUINO_WRAPPER). Each pair
 * takes about half a minute of real time.
 *
 *   npm run build
 *   ESPRUINO_BIN=/opt/espruino/espruino-{vars} node dist/bench/firmware-memory.js
 *   ... --only smoke/PUCKJS,guardian/PICO   only these pairs
 *   ... --ts                     also print the rows as firmware/build/memory-table.ts wants them
 */
import { BOARD_NAMES, type Board, getBoard } from "../firmware/build/boards.js";
import { buildFirmware } from "../firmware/build/build.js";
import type { DeviceKind } from "../firmware/device-config.js";
import { deviceConfigFor } from "../installer/install-config.js";
import { interpreterFor } from "./espruino-process.js";
import { BENCH_GROUP, DUTIES, type DutyResult, type PinLevels } from "./firmware-memory-duties.js";
import { ImageRun } from "./firmware-memory-run.js";

const KEY_HEX = "00112233445566778899aabbccddeeff";
const DEVICE_ID = 0x48540011;

interface Row {
  kind: DeviceKind;
  board: Board;
  imageBytes: number;
  stubVars: number;
  /** Added to the peak on boards without a native SHA-256 (see SHA256_WORKING_SET). */
  shaVars: number;
  result?: DutyResult;
  error?: string;
}

/** The installer's config for the pair, with the bench's duty settings (see DUTIES). */
function deviceFor(kind: DeviceKind, board: Board) {
  const identity = { deviceId: DEVICE_ID, keyHex: KEY_HEX };
  if (kind === "smoke")
    return deviceConfigFor(
      kind,
      board,
      { ...identity, group: BENCH_GROUP },
      { smoke: { sampleIntervalS: 2 } },
    );
  if (kind === "charger") return deviceConfigFor(kind, board, identity, { charger: { ports: 12 } });
  return deviceConfigFor(kind, board, identity, { guardian: { reportIntervalS: 3 } });
}

/**
 * What one plain-JS SHA-256 call (protocol/sha256.ts) holds at its deepest,
 * which the I/O hooks cannot see: its typed arrays (hash state, the padded
 * two-block message of an HMAC pass, the 64-word schedule, the digest and the
 * previous pass's digest) and its locals, made in a function of the same shape.
 */
const SHA256_WORKING_SET =
  "(function(){var u=process.memory(false).usage;" +
  "var h=new Uint32Array(8),p=new Uint8Array(128),w=new Uint32Array(64),d=new Uint8Array(32),o=new Uint8Array(32)," +
  "k=h,n=1,b=2,i=3,j=4,x=5,y=6,s0=7,s1=8,t1=9,t2=10,a=11,c=12,e=13,f=14,g=15;" +
  "return process.memory(false).usage-u;})()";

/**
 * JsVars the stubs take with these analog levels: usage booted with the stubs
 * alone minus a bare interpreter's.
 */
async function stubCost(bin: string, levels: Record<string, number>): Promise<number> {
  const run = new ImageRun(bin, { deviceId: DEVICE_ID, key: Buffer.from(KEY_HEX, "hex") });
  Object.assign(run.levels, levels);
  try {
    await run.esp.run(["echo(0)"]);
    const bare = Number(await run.ask("process.memory().usage"));
    await run.install(undefined);
    const withStubs = Number(await run.ask("process.memory().usage"));
    return withStubs - bare;
  } finally {
    await run.stop();
  }
}

async function sha256WorkingSet(bin: string): Promise<number> {
  const run = new ImageRun(bin, { deviceId: DEVICE_ID, key: Buffer.from(KEY_HEX, "hex") });
  try {
    await run.esp.run(["echo(0)"]);
    return Number(await run.ask(SHA256_WORKING_SET));
  } finally {
    await run.stop();
  }
}

async function measure(kind: DeviceKind, board: Board, bin: string): Promise<Row> {
  const device = deviceFor(kind, board);
  const image = await buildFirmware({
    kind,
    // The bench measures what a board would run, whatever the build's memory check says.
    board: { ...board, codeBudgetBytes: Number.MAX_SAFE_INTEGER },
    checkMemory: false,
    device,
    deviceSource: "bench device",
    entry: `installer/image-entries/${kind}.js`,
  });
  const row: Row = { kind, board, imageBytes: image.bytes, stubVars: 0, shaVars: 0 };
  const run = new ImageRun(bin, { deviceId: DEVICE_ID, key: Buffer.from(KEY_HEX, "hex") });
  try {
    const pins: PinLevels = {
      set: (role, v) => {
        const pin = device.pins[role];
        if (pin) run.setAnalog(pin, v);
      },
      fire: (role, high) => {
        const pin = device.pins[role];
        if (pin) run.fireWatch(pin, high);
      },
      has: (role) => device.pins[role] !== undefined,
    };
    row.result = await DUTIES[kind](run, pins, image.code);
    row.stubVars = await stubCost(bin, run.levels);
    if (!board.nativeSha256) row.shaVars = await sha256WorkingSet(bin);
  } catch (err) {
    const last = run.esp.lines.filter((l) => l.trim() !== "" && !l.includes("TX:")).slice(-4);
    row.error = `${(err as Error).message}; last printed: ${last.join(" / ").slice(0, 300)}`;
  } finally {
    await run.stop();
  }
  return row;
}

/** The alarm peak: the most seen at any hook, plus a plain-JS SHA-256's working set where one runs. */
function peakOf(r: Row, res: DutyResult): number {
  return Math.max(res.alarm.peak, res.steady.peak, res.alarm.usage) - r.stubVars + r.shaVars;
}

function pct(free: number, total: number): string {
  return `${Math.round((free / total) * 100)} %`;
}

function printTable(rows: Row[], interpreter: string): void {
  console.log(`\n## Firmware JsVars on the real interpreter (${interpreter})\n`);
  console.log(
    "| image | JsVars | image bytes | boot used | free | steady used | alarm peak used | free at peak | duty | notes |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---|---|");
  for (const r of rows) {
    const total = r.board.jsVars;
    const res = r.result;
    if (!res) {
      console.log(
        `| ${r.kind} / ${r.board.name} | ${total} | ${r.imageBytes} | | | | | | failed | ${r.error ?? ""} |`,
      );
      continue;
    }
    const boot = res.boot.usage - r.stubVars;
    const steady = res.steady.usage - r.stubVars;
    const peak = peakOf(r, res);
    console.log(
      `| ${r.kind} / ${r.board.name} | ${total} | ${r.imageBytes} | ${boot} | ${pct(total - boot, total)} | ` +
        `${steady} | ${peak} | ${pct(total - peak, total)} | ${res.dutyOk ? "ok" : "INCOMPLETE"} | ` +
        `${[...res.notes, ...res.problems].join("; ").slice(0, 300)} |`,
    );
  }
}

function printTs(rows: Row[], version: string): void {
  console.log("\n// rows for firmware/build/memory-table.ts");
  for (const r of rows) {
    const res = r.result;
    if (!res) continue;
    const peak = peakOf(r, res);
    console.log(
      `  { kind: "${r.kind}", board: "${r.board.name}", firmware: "${version}", imageBytes: ${r.imageBytes}, ` +
        `boot: ${res.boot.usage - r.stubVars}, steady: ${res.steady.usage - r.stubVars}, alarmPeak: ${peak}, ` +
        `interpreter: "${res.interpreter}" },`,
    );
  }
}

async function main(): Promise<void> {
  const only = process.argv.includes("--only")
    ? process.argv[process.argv.indexOf("--only") + 1]
    : undefined;
  const rows: Row[] = [];
  let interpreter = "?";
  let version = "?";
  for (const name of BOARD_NAMES) {
    const board = getBoard(name);
    for (const kind of board.kinds) {
      if (only && !only.toUpperCase().split(",").includes(`${kind}/${name}`.toUpperCase()))
        continue;
      const found = interpreterFor(board.jsVars);
      if ("missing" in found) {
        console.log(`${kind} / ${name}: skipped (${found.missing})`);
        continue;
      }
      const row = await measure(kind, board, found.bin);
      const stubVars = row.stubVars;
      if (row.result) {
        if (!interpreter.includes(row.result.interpreter))
          interpreter =
            interpreter === "?"
              ? row.result.interpreter
              : `${interpreter}; ${row.result.interpreter}`;
        version = row.result.firmware;
      }
      console.log(
        `${kind} / ${name}: ${row.result ? `boot ${row.result.boot.usage - stubVars}, peak ${peakOf(row, row.result)} of ${board.jsVars}` : `failed: ${row.error}`}`,
      );
      rows.push(row);
    }
  }
  printTable(rows, interpreter);
  console.log(
    "\nused = JsVars in use minus the host stubs' own (measured alone per interpreter); boot and steady after a " +
      "garbage collection; the peak without one, at every analogRead, Serial1.write and require() of the run, " +
      "plus one plain-JS SHA-256 call's working set on boards without a native SHA-256.",
  );
  if (process.argv.includes("--ts")) printTs(rows, version);
}

await main();
