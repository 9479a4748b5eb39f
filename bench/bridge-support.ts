/**
 * Servers for the bridge benchmarks: Mosquitto tuned for a backlog (no queue
 * limit) and VictoriaMetrics, on free ports in temp folders; and helpers.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../cloud-bridge/config/load.js";
import type { BridgeConfig } from "../cloud-bridge/config/types.js";
import { freePort, requireBinary } from "../common/services.js";

export interface Server {
  url: string;
  stop(): Promise<void>;
}

async function waitHttpOrTcp(check: () => Promise<boolean>, what: string) {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not start`);
    await sleep(50);
  }
}

export function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

function stopProc(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null) return resolve();
    p.once("exit", () => resolve());
    p.kill("SIGTERM");
  });
}

export async function startBenchMosquitto(): Promise<Server> {
  const bin = requireBinary("mosquitto", "mosquitto");
  const dir = mkdtempSync(join(tmpdir(), "haitang-bench-mosq-"));
  const port = await freePort();
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(
    conf,
    [
      `user ${userInfo().username}`,
      `listener ${port} 127.0.0.1`,
      "allow_anonymous true",
      "persistence false",
      // A bridge instance that is away keeps its queue: no limit on queued messages.
      "max_queued_messages 0",
      // Alarms are small and urgent: do not hold them back for Nagle's algorithm.
      "set_tcp_nodelay true",
      "log_dest stderr",
      "log_type error",
      "",
    ].join("\n"),
  );
  const proc = spawn(bin, ["-c", conf], { stdio: ["ignore", "ignore", "inherit"] });
  const { connect } = await import("node:net");
  await waitHttpOrTcp(
    () =>
      new Promise((resolve) => {
        const s = connect(port, "127.0.0.1");
        s.once("connect", () => {
          s.destroy();
          resolve(true);
        });
        s.once("error", () => resolve(false));
      }),
    "mosquitto",
  );
  return {
    url: `mqtt://127.0.0.1:${port}`,
    stop: async () => {
      await stopProc(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startBenchVictoriaMetrics(): Promise<
  Server & { count(match: string): Promise<number> }
> {
  const bin = requireBinary("victoria-metrics", "victoria-metrics");
  const dir = mkdtempSync(join(tmpdir(), "haitang-bench-vm-"));
  const port = await freePort();
  const proc = spawn(
    bin,
    [
      `-storageDataPath=${dir}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      "-retentionPeriod=100y",
      "-search.latencyOffset=0s",
      "-loggerLevel=ERROR",
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitHttpOrTcp(
    () =>
      fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      ),
    "victoria-metrics",
  );
  return {
    url,
    count: async (match: string) => {
      await fetch(`${url}/internal/force_flush`);
      const res = await fetch(
        `${url}/api/v1/query?query=${encodeURIComponent(`sum(count_over_time(${match}[10d]))`)}`,
      );
      const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
      return Number(body.data.result[0]?.value[1] ?? 0);
    },
    stop: async () => {
      await stopProc(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function benchConfig(
  mqttUrl: string,
  vmUrl: string,
  instance: string,
  extra: Record<string, unknown> = {},
): BridgeConfig {
  const r = parseConfig(
    {
      instance,
      mqtt: { url: mqttUrl, sessionExpiryS: 600, receiveMaximum: 10000 },
      influx: {
        url: vmUrl,
        org: "haitang",
        bucket: "haitang",
        token: "bench",
        batchSize: 10000,
        flushIntervalMs: 20,
        maxConcurrentWrites: 2,
      },
      http: { host: "127.0.0.1", port: 0 },
      sites: {
        "bench-site": { commandKey: "00".repeat(16), gateways: ["gw-1", "gw-2", "gw-3", "gw-4"] },
      },
      rebuild: { fromHistory: false },
      ...extra,
    },
    {},
  );
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r.config;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
