/**
 * What a sandboxed device costs the simulator: time and heap to load one, and
 * how much virtual time a fleet advances per wall-clock second.
 * Run: npm run build && node dist/bench/firmware-sandbox.js
 */
import { buildFirmware } from "../firmware/build/build.js";
import { fixtureDevice } from "../firmware/build/fixtures/fixture-images.js";
import type { DeviceKind } from "../firmware/device-config.js";
import { type FirmwareSandbox, loadFirmware } from "../firmware/sandbox/sandbox.js";
import { VirtualClock } from "../firmware/sandbox/virtual-clock.js";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Full collections with turns of the event loop between (contexts are freed in steps). */
async function gc(): Promise<void> {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) return;
  for (let i = 0; i < 6; i++) {
    g();
    await new Promise((r) => setImmediate(r));
  }
}

/** Quiet inputs per kind: clean air, a 25 °C shed with one port charging at about 400 W, a battery. */
const INPUTS: Record<DeviceKind, [string, number][]> = {
  smoke: [
    ["A0", 0.05],
    ["A1", 0.6],
  ],
  charger: [
    ["A0", 0.5],
    ["A1", 0.1],
  ],
  guardian: [["A1", 0.6]],
};

const FLEET = 100;
/** Fleets stay alive to the end, so one kind's garbage does not shrink the next one's heap delta. */
const keep: FirmwareSandbox[][] = [];
const VIRTUAL_MS = 10 * 60_000;

console.log("## Sandbox cost per device (Pico images)\n");
console.log(
  "| kind | load+start ms (median) | heap per device (MB) | fleet of 100: virtual s per wall s |",
);
console.log("|---|---:|---:|---:|");
for (const kind of ["smoke", "charger", "guardian"] as DeviceKind[]) {
  const image = await buildFirmware({
    kind,
    board: "PICO",
    device: fixtureDevice(`${kind}-pico.json`),
    version: "1.0.0",
  });
  const loads: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    loadFirmware(image.code, { board: "PICO", seed: i }).start();
    loads.push(performance.now() - t);
  }
  await gc();
  const before = process.memoryUsage().heapUsed;
  const clock = new VirtualClock();
  const fleet: FirmwareSandbox[] = [];
  for (let i = 0; i < FLEET; i++) {
    const dev = loadFirmware(image.code, { board: "PICO", clock, seed: i + 1 });
    dev.onSerialWrite(() => {});
    for (const [pin, v] of INPUTS[kind]) dev.setAnalog(pin, v);
    dev.start();
    fleet.push(dev);
  }
  await gc();
  keep.push(fleet);
  const perDeviceMb = (process.memoryUsage().heapUsed - before) / FLEET / 1e6;
  const rates: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    clock.advance(VIRTUAL_MS);
    rates.push(VIRTUAL_MS / 1000 / ((performance.now() - t) / 1000));
  }
  const errors = fleet.reduce((n, d) => n + d.errors.length, 0);
  console.log(
    `| ${kind} | ${median(loads).toFixed(1)} | ${perDeviceMb.toFixed(2)} | ${Math.round(median(rates))}${errors ? ` (${errors} errors)` : ""} |`,
  );
}
console.log("\n(heap figures need `node --expose-gc`; without it they include garbage)");
