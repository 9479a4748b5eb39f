/**
 * Virtual-time speed: a 100-device compound (80 detectors on two radio
 * receivers, 10 shed chargers on two RS-485 buses, 10 guardians on Wi-Fi)
 * for 24 simulated hours against the real gateway service, with the built
 * firmware in the sandbox with real pseudo-terminals (how the scenario
 * library runs), with in-memory serial lines (transport in-process), and with
 * the firmware apps run natively (runtime native). Prints wall seconds
 * and the process's CPU seconds (main thread and the gateway's commit worker,
 * less sensitive to a busy machine than wall time), median of runs, per mode.
 *   npm run build && node dist/bench/sim-virtual-time.js [runs=3]
 *     [modes=sandbox/pty,sandbox/in-process,native/in-process] [hours=24]
 */

import { loadavg } from "node:os";
import { firmwareSource, inProcessGateway } from "../simulator/run-files.js";
import { ImageCache } from "../simulator/runner/firmware-source.js";
import { runScenario } from "../simulator/runner/scenario-runner.js";
import { validateScenario } from "../simulator/scenario/load-scenario.js";

const runs = Number(process.argv[2] ?? 3);
/** runtime/transport pairs, e.g. sandbox/pty (the library's way), sandbox/in-process, native/in-process. */
const modes = (process.argv[3] ?? "sandbox/pty,sandbox/in-process,native/in-process")
  .split(",")
  .map((m) => m.split("/") as ["sandbox" | "native", "pty" | "in-process"]);
const hours = Number(process.argv[4] ?? 24);
const flats = Array.from({ length: 40 }, (_, i) => String(101 + i));
const devices: Record<string, unknown>[] = [];
for (let i = 0; i < 80; i++)
  devices.push({
    id: `det-${i}`,
    kind: "smoke",
    flat: `${i < 40 ? "b1" : "b2"}/${flats[i % 40]}`,
    link: "radio",
  });
for (let i = 0; i < 10; i++)
  devices.push({ id: `chg-${i}`, kind: "charger", shed: `shed-${i % 2}`, link: `bus-${i % 2}` });
for (let i = 0; i < 10; i++)
  devices.push({ id: `grd-${i}`, kind: "guardian", flat: `b1/${flats[i]}`, link: "wifi" });
const timeline: Record<string, unknown>[] = [];
for (let i = 0; i < 10; i++) {
  timeline.push({ at: `${1 + i}h`, plug: { device: `chg-${i}`, port: 0, load: "lithium" } });
  timeline.push({ at: `${2 + i}h`, plug: { device: `chg-${i}`, port: 1, load: "lead-acid" } });
}
timeline.push({ at: "20h", label: "fire", smoke: { device: "det-7", profile: "flaming" } });
const raw = {
  name: "100-device compound, 24 h",
  seed: 7,
  duration: "24h",
  site: {
    buildings: [
      { id: "b1", flats },
      { id: "b2", flats },
    ],
    sheds: [{ id: "shed-0" }, { id: "shed-1" }],
    receivers: [
      { id: "rx-a", loss: 0.02 },
      { id: "rx-b", loss: 0.05 },
    ],
    buses: [{ id: "bus-0" }, { id: "bus-1" }],
    devices,
  },
  timeline,
  expect: [{ alarm: { kind: "fire", device: "det-7", within: "5m", after: "fire" } }],
};
const loaded = validateScenario(raw, "bench");
if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
if (hours !== 24) loaded.scenario.durationMs = hours * 3_600_000; // profiling runs
const images = new ImageCache();
// Build the images once before timing (a build is a one-off cost, not simulation).
await runScenario({ ...loaded.scenario, durationMs: 1000 }, opts("sandbox", "in-process"));
const medians: string[] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [runtime, transport] of modes) {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < runs; i++) {
    const cpu0 = process.cpuUsage();
    const r = await runScenario(loaded.scenario, opts(runtime, transport));
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    walls.push(r.wallS);
    cpus.push(cpuS);
    process.stdout.write(
      `${runtime}/${transport} run ${i + 1}: ${r.wallS.toFixed(1)} s wall, ${cpuS.toFixed(1)} s CPU for ${hours} h simulated, load average ${loadavg()[0]!.toFixed(1)}, verdict ${r.cases.every((c) => c.pass) && !r.error ? "PASS" : "FAIL"}${r.error ? ` (${r.error.split("\n")[0]})` : ""}\n`,
    );
  }
  medians.push(
    `${runtime}/${transport} ${median(walls).toFixed(1)} s wall, ${median(cpus).toFixed(1)} s CPU`,
  );
}
process.stdout.write(
  `sim-virtual-time: 100 devices, ${hours} h simulated: median wall ${medians.join(", ")} (${runs} runs each)\n`,
);
process.exit(0);

function opts(
  runtime: "sandbox" | "native",
  transport: "pty" | "in-process",
): Parameters<typeof runScenario>[1] {
  return {
    firmware: firmwareSource(runtime, images),
    gateway: inProcessGateway,
    transport,
  };
}
