/**
 * What the demo costs a machine: starts `haitang demo` (three compounds,
 * normal pace unless told), lets it settle, then samples every 5 s from /proc
 * the demo's Node process (gateways, bridge and fleets in one process) and
 * its servers (Mosquitto, VictoriaMetrics): CPU as a share of one core over
 * each interval, and resident memory. Prints the median and the maximum of
 * each, per process and in total. Linux only (/proc).
 *   npm run build && node dist/bench/demo-footprint.js [minutes=5] [warmupS=60] [demo options...]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../common/paths.js";
import { freePort } from "../common/services.js";

const minutes = Number(process.argv[2] ?? 5);
const warmupS = Number(process.argv[3] ?? 60);
const extra = process.argv.slice(4);
const SAMPLE_MS = 5000;
const TICKS_PER_S = 100; // USER_HZ on Linux

interface ProcSample {
  name: string;
  ticks: number;
  rssKB: number;
}

function readProc(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = stat.lastIndexOf(")");
    const name = stat.slice(stat.indexOf("(") + 1, close);
    const f = stat.slice(close + 2).split(" ");
    // Fields after the name: state is 3, utime 14 and stime 15 (man 5 proc), so index - 3.
    const ticks = Number(f[11]) + Number(f[12]);
    const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return { name, ticks, rssKB: Number(rss?.[1] ?? 0) };
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
}

async function main(): Promise<void> {
  const data = mkdtempSync(join(tmpdir(), "haitang-demo-bench-"));
  const dashboardPort = await freePort();
  const demo = spawn(
    process.execPath,
    [
      join(repoRoot(), "bin/haitang.js"),
      "demo",
      "--data",
      data,
      "--gateway-port",
      "0",
      "--dashboard-port",
      String(dashboardPort),
      "--stats-every",
      "0",
      ...extra,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  demo.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const stop = () => demo.kill("SIGINT");
  process.on("SIGINT", stop);
  try {
    const deadline = Date.now() + 120_000;
    while (!out.includes("Press Ctrl-C")) {
      if (Date.now() > deadline || demo.exitCode !== null) throw new Error(`demo start: ${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const devices = /(\d+) simulated devices/.exec(out)?.[1];
    process.stdout.write(
      `demo up (${devices} devices, ${extra.join(" ") || "defaults"}, dashboard http://127.0.0.1:${dashboardPort}/); warm-up ${warmupS} s, then ${minutes} min of samples every ${SAMPLE_MS / 1000} s\n`,
    );
    await new Promise((r) => setTimeout(r, warmupS * 1000));
    const pids = [demo.pid!, ...childrenOf(demo.pid!)];
    const series = new Map<number, { name: string; cpu: number[]; rssMB: number[] }>();
    const totals = { cpu: [] as number[], rssMB: [] as number[] };
    let last = new Map(pids.map((p) => [p, readProc(p)]));
    let lastAt = performance.now();
    const end = Date.now() + minutes * 60_000;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
      const at = performance.now();
      const now = new Map(pids.map((p) => [p, readProc(p)]));
      let cpu = 0;
      let rss = 0;
      for (const p of pids) {
        const a = last.get(p);
        const b = now.get(p);
        if (!a || !b) continue;
        const pct = (100 * (b.ticks - a.ticks)) / TICKS_PER_S / ((at - lastAt) / 1000);
        const s = series.get(p) ?? { name: b.name, cpu: [], rssMB: [] };
        s.cpu.push(pct);
        s.rssMB.push(b.rssKB / 1024);
        series.set(p, s);
        cpu += pct;
        rss += b.rssKB / 1024;
      }
      totals.cpu.push(cpu);
      totals.rssMB.push(rss);
      last = now;
      lastAt = at;
    }
    const row = (name: string, cpu: number[], rssMB: number[]) =>
      `${name.padEnd(18)} ${median(cpu).toFixed(1).padStart(6)} ${Math.max(...cpu)
        .toFixed(1)
        .padStart(6)} ${median(rssMB).toFixed(0).padStart(8)} ${Math.max(...rssMB)
        .toFixed(0)
        .padStart(8)}`;
    const lines = [
      `${"process".padEnd(18)} ${"cpu%50".padStart(6)} ${"cpuMax".padStart(6)} ${"rssMB50".padStart(8)} ${"rssMBmax".padStart(8)}   (cpu: % of one core)`,
    ];
    for (const s of series.values()) lines.push(row(s.name, s.cpu, s.rssMB));
    lines.push(row("total", totals.cpu, totals.rssMB));
    const incidents = out
      .split("\n")
      .filter((l) =>
        /\] (overload|cooking|shed-total|welfare|heater|fire|hot-contact|device-lost|short|tamper) /.test(
          l,
        ),
      ).length;
    const restores = out.split("\n").filter((l) => /\] restore /.test(l)).length;
    lines.push(`incident lines ${incidents}, restores ${restores}, samples ${totals.cpu.length}`);
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    const exited = new Promise((r) => demo.once("exit", r));
    stop();
    await exited;
    rmSync(data, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
