/**
 * Firmware numbers: minified image size per kind and board, frame sizes per
 * message type, and encode+MAC / decode+verify operations per second in Node
 * with the plain-JS HMAC (what the Original and ESP8266 run) and node:crypto.
 * Run: npm run build && node dist/bench/firmware-size.js
 */
import { createHmac } from "node:crypto";
import { BOARD_NAMES, type Board, getBoard } from "../firmware/build/boards.js";
import { type BuildReport, buildFirmware, FirmwareBuildError } from "../firmware/build/build.js";
import { fixtureDevice } from "../firmware/build/fixtures/fixture-images.js";
import type { DeviceConfig, DeviceKind } from "../firmware/device-config.js";
import { decodeFrame, encodeFrame, verifyFrame } from "../protocol/codec.js";
import { frameBytes } from "../protocol/framing.js";
import { type HmacFn, hmacSha256 } from "../protocol/hmac.js";
import type { Frame, Msg } from "../protocol/messages.js";

const KINDS: DeviceKind[] = ["smoke", "charger", "guardian"];
const AIM_BYTES = 12 * 1024;

/** The fixture device of `kind` with its pins re-placed on `board` (analog roles on ADC pins). */
function deviceFor(kind: DeviceKind, board: Board): DeviceConfig {
  const d = fixtureDevice(`${kind}-pico.json`);
  const analog = board.analogPins.filter((p) => !/^(LED|BTN)/.test(p));
  const digital = board.pins.filter((p) => !analog.includes(p) && !/^(LED|BTN)/.test(p));
  const pins: Record<string, string> = {};
  let a = 0;
  let g = 0;
  for (const role of Object.keys(d.pins)) {
    const isAnalog = /^(smoke|battery|temp|power\d+)$/.test(role);
    const pin = isAnalog ? analog[a++] : digital[g++];
    if (pin) pins[role] = pin;
  }
  return { ...d, pins };
}

async function imageSizes(): Promise<void> {
  console.log("## Image size (bytes, minified, after the Espruino transform)\n");
  console.log(`| kind | ${BOARD_NAMES.join(" | ")} |`);
  console.log(`|---|${BOARD_NAMES.map(() => "---:").join("|")}|`);
  for (const kind of KINDS) {
    const cells: string[] = [];
    for (const name of BOARD_NAMES) {
      const board = getBoard(name);
      if (!board.kinds.includes(kind)) {
        cells.push("n/a");
        continue;
      }
      try {
        // Build without the budget, to print the size even when it does not fit.
        const r = await buildFirmware({
          kind,
          board: { ...board, codeBudgetBytes: Number.MAX_SAFE_INTEGER },
          checkMemory: false,
          device: deviceFor(kind, board),
          version: "1.0.0",
        });
        const over = r.bytes > board.codeBudgetBytes ? ` (over ${board.codeBudgetBytes})` : "";
        const aim = r.bytes > AIM_BYTES ? " >12K" : "";
        cells.push(`${r.bytes}${aim}${over}`);
      } catch (err) {
        cells.push(err instanceof FirmwareBuildError ? `fails: ${err.failure}` : String(err));
      }
    }
    console.log(`| ${kind} | ${cells.join(" | ")} |`);
  }
  console.log(
    `\nbudget per board: ${BOARD_NAMES.map((n) => `${n} ${getBoard(n).codeBudgetBytes}`).join(", ")}`,
  );
}

/** Where the bytes of each Pico image go. */
async function moduleShares(): Promise<void> {
  console.log("\n## Bytes per module in the Pico images (from the minifier's source map)\n");
  const board = getBoard("PICO");
  const reports: BuildReport[] = [];
  for (const kind of KINDS) {
    reports.push(
      (
        await buildFirmware({
          kind,
          board,
          device: deviceFor(kind, board),
          version: "1.0.0",
          measureModules: true,
        })
      ).report,
    );
  }
  const files = [...new Set(reports.flatMap((r) => Object.keys(r.moduleBytes ?? {})))];
  const most = (f: string) => Math.max(...reports.map((r) => r.moduleBytes?.[f] ?? 0));
  files.sort((a, b) => most(b) - most(a));
  console.log(`| module | ${KINDS.join(" | ")} |`);
  console.log(`|---|${KINDS.map(() => "---:").join("|")}|`);
  for (const f of files) {
    console.log(`| ${f} | ${reports.map((r) => r.moduleBytes?.[f] ?? "").join(" | ")} |`);
  }
}

const KEY = Uint8Array.from({ length: 16 }, (_, i) => i * 17);

function ports(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    powerW: 900 + i,
    energyWh: 1200 + i,
    state: 1,
    relayOn: true,
  }));
}

const SAMPLES: Msg[] = [
  {
    type: "status",
    deviceKind: 2,
    batteryMv: 3300,
    fwMajor: 1,
    fwMinor: 0,
    fwPatch: 0,
    uptimeS: 86400,
    resetCause: 0,
  },
  { type: "smoke-event", event: 1, smokeLevel: 800, batteryMv: 3000, eventId: 7 },
  { type: "charger-telemetry", tempDeciC: 315, ports: ports(4) },
  { type: "charger-telemetry", tempDeciC: 315, ports: ports(12) },
  {
    type: "charger-event",
    port: 3,
    event: 1,
    reason: 1,
    powerW: 1500,
    tempDeciC: 300,
    sessionS: 3600,
  },
  { type: "guardian-activity", doorOpens: 3, motionCount: 40, idleS: 600, batteryMv: 3000 },
  { type: "command-ack", ackedCounter: 99, result: 0 },
  { type: "ack", ackedCounter: 1234 },
  { type: "relay", port: 2, on: false, reason: 8 },
  { type: "sound", mode: 1, durationS: 300, sourceDeviceId: 0x1234 },
  {
    type: "config",
    entries: Array.from({ length: 8 }, (_, i) => ({ key: i + 1, value: 1000 * i })),
  },
  { type: "time-sync", unixS: 1_750_000_000 },
];

function label(m: Msg): string {
  if (m.type === "charger-telemetry") return `charger-telemetry (${m.ports.length} ports)`;
  if (m.type === "config") return `config (${m.entries.length} entries)`;
  return m.type;
}

function frameSizes(): void {
  console.log("\n## Frame sizes (bytes)\n");
  console.log("| message | header+payload+MAC | framed (flags, CRC, escapes) |");
  console.log("|---|---:|---:|");
  for (const msg of SAMPLES) {
    const f: Frame = { deviceId: 0x12345678, counter: 1000, flags: 1, msg };
    const bytes = encodeFrame(f, KEY, hmacSha256);
    console.log(`| ${label(msg)} | ${bytes.length} | ${frameBytes(bytes).length} |`);
  }
}

const nodeHmac: HmacFn = (key, data) =>
  new Uint8Array(createHmac("sha256", key).update(data).digest());

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Operations per second, median of `runs` runs of about `ms` each. */
function opsPerSecond(op: () => void, runs = 5, ms = 300): number {
  for (let i = 0; i < 200; i++) op(); // warm-up
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    let n = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ms) {
      for (let i = 0; i < 50; i++) op();
      n += 50;
      now = performance.now();
    }
    rates.push(n / ((now - start) / 1000));
  }
  return median(rates);
}

function macRates(): void {
  console.log("\n## Encode+MAC and decode+verify in Node (ops/s, median of 5 runs)\n");
  console.log("| message | HMAC | encode+MAC | decode+verify |");
  console.log("|---|---|---:|---:|");
  const msgs = [SAMPLES[0] as Msg, SAMPLES[3] as Msg];
  for (const msg of msgs) {
    for (const [name, h] of [
      ["plain JS", hmacSha256],
      ["node:crypto", nodeHmac],
    ] as const) {
      const frame: Frame = { deviceId: 0x1234, counter: 1, flags: 0, msg };
      const bytes = encodeFrame(frame, KEY, h);
      const enc = opsPerSecond(() => encodeFrame(frame, KEY, h));
      const dec = opsPerSecond(() => {
        const d = decodeFrame(bytes);
        if (!d.ok || !verifyFrame(bytes, KEY, h)) throw new Error("bench frame did not verify");
      });
      console.log(`| ${label(msg)} | ${name} | ${Math.round(enc)} | ${Math.round(dec)} |`);
    }
  }
}

await imageSizes();
await moduleShares();
frameSizes();
macRates();
