/**
 * Rule engine and alarm store numbers: messages/s through the standard rules
 * (+ inactivity) for a compound of 10,000 devices, the cost of one tick, the
 * memory of the rule state, and alarm raise/clear and repeat rates on SQLite.
 * Run: npm run build && node dist/bench/rules-engine.js
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AlarmStore } from "../gateway/alarms/alarm-store.js";
import { loadSiteConfig } from "../gateway/config/load.js";
import { SqliteOutbox } from "../gateway/outbox/sqlite-outbox.js";
import { memoryDirectory } from "../gateway/rules/directory.js";
import { createRuleEngine } from "../gateway/rules/engine.js";
import { accepted, device } from "../gateway/rules/testing.js";
import { openGatewayDatabase } from "../gateway/storage/database.js";
import type { DeviceRecord } from "../gateway/types.js";
import { PORT_CHARGING } from "../protocol/constants.js";
import type { UplinkMsg } from "../protocol/messages.js";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const RUNS = 5;

const buildings = Array.from({ length: 40 }, (_, i) => `b${i}`);
const sheds = Array.from({ length: 50 }, (_, i) => `s${i}`);
const yaml = `site: bench
gateway: gw
buildings: [${buildings.map((b) => `{ id: ${b} }`).join(", ")}]
sheds: [${sheds.map((s) => `{ id: ${s} }`).join(", ")}]
`;
const base = loadSiteConfig({ text: yaml });
if (!base.ok) throw new Error(JSON.stringify(base.errors));
const config = {
  ...base.config,
  rules: [
    ...base.config.rules,
    {
      id: "welfare",
      kind: "inactivity" as const,
      enabled: true,
      windows: [{ from: "07:00", to: "22:00", maxIdleS: 43200 }],
      alarm: "welfare" as const,
      severity: "major" as const,
    },
  ],
};

const devices: DeviceRecord[] = [];
for (let i = 0; i < 8000; i++)
  devices.push(device(0x10000 + i, "smoke", { building: buildings[i % 40]! }));
for (let i = 0; i < 1950; i++)
  devices.push(device(0x30000 + i, "guardian", { building: buildings[i % 40]! }));
for (let i = 0; i < 50; i++) devices.push(device(0x50000 + i, "charger", { shed: sheds[i]! }));
const chargers = devices.filter((d) => d.kind === "charger");
const smokes = devices.filter((d) => d.kind === "smoke");
const guardians = devices.filter((d) => d.kind === "guardian");

function message(i: number): [DeviceRecord, UplinkMsg] {
  const r = i % 20;
  const q = Math.floor(i / 20);
  if (r < 6) {
    const d = chargers[(q * 6 + r) % chargers.length]!;
    const ports = Array.from({ length: 12 }, (_, p) => ({
      powerW: 150 + ((i + p) % 7) * 20,
      energyWh: 0,
      state: PORT_CHARGING,
      relayOn: true,
    }));
    return [d, { type: "charger-telemetry", tempDeciC: 300 + (i % 50), ports }];
  }
  if (r < 16) {
    const d = smokes[(q * 10 + r - 6) % smokes.length]!;
    return [
      d,
      {
        type: "status",
        deviceKind: 1,
        batteryMv: 2900,
        fwMajor: 1,
        fwMinor: 0,
        fwPatch: 0,
        uptimeS: i,
        resetCause: 0,
      },
    ];
  }
  const d = guardians[(q * 4 + r - 16) % guardians.length]!;
  return [
    d,
    { type: "guardian-activity", doorOpens: 1, motionCount: 2, idleS: 60, batteryMv: 3000 },
  ];
}

const N = 200_000;
const t0 = Date.UTC(2025, 0, 6);
const msgs = Array.from({ length: N }, (_, i) => message(i));

function runOnce(): { rate: number; tickMs: number; state: unknown; sizes: string } {
  const directory = memoryDirectory(devices);
  const engine = createRuleEngine(config, directory);
  let state = engine.init(t0);
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    const [d, m] = msgs[i]!;
    const now = t0 + i;
    state = engine.onMessage(state, accepted(d, m, now, i), d, now).state;
  }
  const rate = N / (Number(process.hrtime.bigint() - start) / 1e9);
  const tickStart = process.hrtime.bigint();
  for (let k = 1; k <= 20; k++) state = engine.tick(state, t0 + N + k * 5000).state;
  const tickMs = Number(process.hrtime.bigint() - tickStart) / 1e6 / 20;
  const sizes = [...state.rules]
    .map(([id, slot]) => {
      const m = Object.values(slot.state as object).find((v) => v instanceof Map) as
        | Map<unknown, unknown>
        | undefined;
      return m?.size ? `${id} ${m.size}` : "";
    })
    .filter(Boolean)
    .join(", ");
  return { rate, tickMs, state: [state, engine, directory], sizes };
}

const runs = Array.from({ length: RUNS }, () => {
  const r = runOnce();
  return { rate: r.rate, tickMs: r.tickMs, sizes: r.sizes };
});
console.log(
  `rules: ${devices.length} devices, ${config.rules.length} rules, ${N} messages per run`,
);
console.log(
  `  onMessage: ${Math.round(median(runs.map((r) => r.rate)))} messages/s (median of ${RUNS})`,
);
console.log(
  `  tick (absence + inactivity walk every device): ${median(runs.map((r) => r.tickMs)).toFixed(2)} ms`,
);
console.log(`  state entries: ${runs[0]!.sizes}`);
if (global.gc) {
  global.gc();
  const before = process.memoryUsage().heapUsed;
  const held = runOnce().state;
  global.gc();
  const mb = (process.memoryUsage().heapUsed - before) / 1e6;
  console.log(`  heap held by the engine, its state and the device directory: ${mb.toFixed(1)} MB`);
  void held;
} else console.log("  (run with --expose-gc for the heap figure)");

// Alarm store on a real SQLite file (WAL, synchronous FULL).
const dir = mkdtempSync(join(tmpdir(), "haitang-bench-alarms-"));
try {
  const raiseRates: number[] = [];
  const repeatRates: number[] = [];
  for (let run = 0; run < 3; run++) {
    const db = openGatewayDatabase(join(dir, `a${run}.db`));
    const store = new AlarmStore(db, {
      site: "bench",
      gateway: "gw",
      outbox: new SqliteOutbox(db),
    });
    store.load();
    const M = 300;
    let start = process.hrtime.bigint();
    for (let i = 0; i < M; i++) {
      store.apply(
        { type: "raise-alarm", kind: "tamper", severity: "major", deviceId: i, rule: "r" },
        t0 + i,
      );
    }
    raiseRates.push(M / (Number(process.hrtime.bigint() - start) / 1e9));
    start = process.hrtime.bigint();
    const R = 200_000;
    for (let i = 0; i < R; i++) {
      store.apply(
        { type: "raise-alarm", kind: "tamper", severity: "major", deviceId: i % M, rule: "r" },
        t0 + i,
      );
    }
    repeatRates.push(R / (Number(process.hrtime.bigint() - start) / 1e9));
    db.close();
  }
  console.log("alarm store (SQLite, synchronous FULL, transition + outbox entry per commit):");
  console.log(`  new alarms: ${Math.round(median(raiseRates))} /s (each an fsynced commit)`);
  console.log(
    `  repeats of an active alarm (de-duplicated in memory): ${Math.round(median(repeatRates))} /s`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
