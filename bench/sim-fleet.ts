/**
 * Real-time fleet capacity: how many devices at their normal reporting rates
 * (simulator/fleet/fleet-plan.ts FLEET_RATES) one fleet process drives in
 * real time against a real gateway (`haitang gateway`, its own process, with
 * the fleet's site file; Wi-Fi devices, one MQTT login each to its embedded
 * broker). For each size: connect and power on every device, warm up, then
 * measure a window: device timers' lateness (p50/p99/max), this process's
 * CPU, uplinks sent and frames the gateway accepted (its /metrics).
 * A size is sustained when every device is up, p99 lateness < 100 ms, no
 * frame was dropped and the gateway accepted what was sent.
 * Each Wi-Fi device is a TCP connection in this process and in the gateway's:
 * the open-file limit (ulimit -n) caps a size (20,000 here).
 *   npm run build && node dist/bench/sim-fleet.js [sizes=1000,2500,5000,10000] [windowS=60]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../common/paths.js";
import { freePort } from "../common/services.js";
import { countsFor, fleetSiteConfig, planFleet, startFleet } from "../simulator/fleet/index.js";

const sizes = (process.argv[2] ?? "1000,2500,5000,10000").split(",").map(Number);
const windowS = Number(process.argv[3] ?? 60);
const root = repoRoot();
// The gateway's database on tmpfs when there is one: this measures the fleet, not the SD card.
const base = process.platform === "linux" ? "/dev/shm" : undefined;

async function metric(httpPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n"))
    if (line.startsWith(name)) sum += Number(line.split(" ").pop());
  return sum;
}

async function waitUntil(what: string, ms: number, probe: () => Promise<boolean> | boolean) {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function runSize(n: number): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(base ?? root, "haitang-bench-fleet-"));
  const plan = planFleet({ counts: countsFor(n), seed: 42 });
  const mqttPort = await freePort();
  const httpPort = await freePort();
  const site = fleetSiteConfig(plan, { database: join(dir, "gw.db"), mqttPort, httpPort });
  writeFileSync(join(dir, "site.yaml"), JSON.stringify(site));
  let gw: ChildProcess | undefined;
  let fleet: Awaited<ReturnType<typeof startFleet>> | undefined;
  try {
    const t0 = performance.now();
    gw = spawn(
      process.execPath,
      [
        join(root, "bin", "haitang.js"),
        "gateway",
        "--config",
        join(dir, "site.yaml"),
        "--no-watch",
        "--install-password",
        "bench",
      ],
      { stdio: ["ignore", "ignore", "ignore"] },
    );
    await waitUntil("the gateway", 300_000, () =>
      metric(httpPort, "haitang_gateway_frames_accepted_total").then(
        () => true,
        () => false,
      ),
    );
    const gatewayUpS = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    fleet = await startFleet({
      plan,
      transport: { kind: "mqtt", url: `mqtt://127.0.0.1:${mqttPort}`, concurrency: 100 },
    });
    const f = fleet;
    let shown = Date.now();
    await waitUntil("every device on (or refused)", 600_000, () => {
      const st = f.stats();
      if (Date.now() - shown > 15_000) {
        shown = Date.now();
        process.stderr.write(
          `  ${n}: ${st.poweredOn} on, ${st.links.connected} linked, ${st.links.connectFailures} failed\n`,
        );
      }
      return st.poweredOn + st.links.connectFailures >= n;
    });
    const upS = (performance.now() - t1) / 1000;
    // Warm-up: the boot statuses are out, the first telemetry rounds settle.
    await new Promise((r) => setTimeout(r, 15_000));
    f.resetLag();
    const s0 = f.stats();
    const a0 = await metric(httpPort, "haitang_gateway_frames_accepted_total");
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const cpu = process.cpuUsage(cpu0);
    const wallS = (performance.now() - w0) / 1000;
    const s1 = f.stats();
    // Let the last frames of the window reach the gateway before reading its counter.
    await new Promise((r) => setTimeout(r, 2000));
    const a1 = await metric(httpPort, "haitang_gateway_frames_accepted_total");
    const sent = s1.links.framesOut - s0.links.framesOut;
    const accepted = a1 - a0;
    const dropped = s1.links.framesDropped - s0.links.framesDropped;
    const sustained =
      s1.poweredOn === n && s1.lag.p99Ms < 100 && dropped === 0 && accepted >= sent * 0.99;
    const failed = s1.links.connectFailures;
    return {
      devices: n,
      on: s1.poweredOn,
      connectFailures: failed,
      gatewayUpS: Number(gatewayUpS.toFixed(1)),
      allOnS: Number(upS.toFixed(1)),
      uplinksPerS: Number((sent / wallS).toFixed(1)),
      acceptedPerS: Number((accepted / wallS).toFixed(1)),
      dropped,
      lagP50Ms: s1.lag.p50Ms,
      lagP99Ms: s1.lag.p99Ms,
      lagMaxMs: Number(s1.lag.maxMs.toFixed(0)),
      timerEventsPerS: Number((s1.lag.events / wallS).toFixed(0)),
      cpuPct: Number((((cpu.user + cpu.system) / 1000 / (wallS * 1000)) * 100).toFixed(1)),
      rssMB: Math.round(process.memoryUsage().rss / 1e6),
      sustained,
    };
  } finally {
    await fleet?.stop();
    if (gw && gw.exitCode === null) {
      const g = gw;
      await new Promise<void>((resolve) => {
        g.once("exit", () => resolve());
        g.kill("SIGTERM");
        setTimeout(() => g.kill("SIGKILL"), 10_000);
      });
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

let best = 0;
for (const n of sizes) {
  const r = await runSize(n);
  process.stdout.write(`${JSON.stringify(r)}\n`);
  if (r.sustained) best = Math.max(best, n);
}
process.stdout.write(
  `sim-fleet: one process sustains ${best} devices in real time at normal reporting rates (sizes tried: ${sizes.join(", ")}; ${windowS} s windows)\n`,
);
process.exit(0);
