/**
 * Servers the project starts for itself (tests, the demo), started on free ports and stopped afterwards:
 * Mosquitto 2 (apt: mosquitto), VictoriaMetrics (apt: victoria-metrics).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort, requireBinary } from "./services.js";

export { createPtyPair, freePort, requireBinary } from "./services.js";

/**
 * Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs`.
 * The default is a bound for a hung wait, not a speed: a niced test process at load 15-20 runs
 * 10-20 times slower than on an idle machine, and only a failing wait ever reaches it.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Temporary folders of this process still on disk: removed when it exits, whatever happened. */
const liveTmpDirs = new Set<string>();
let exitHook = false;

export function tmpDir(prefix = "haitang-"): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  liveTmpDirs.add(path);
  if (!exitHook) {
    exitHook = true;
    // A server can be stopped and started again on the same folder (its data), so the
    // folder stays until the process ends: then nothing is left behind in /tmp.
    process.once("exit", () => {
      for (const p of liveTmpDirs) rmSync(p, { recursive: true, force: true });
    });
  }
  return {
    path,
    remove: () => {
      liveTmpDirs.delete(path);
      rmSync(path, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, proc: ChildProcess, what: string, output: () => string) {
  // A bound for a server that never listens (it inherits the test's nice level under load).
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${what} exited (${proc.exitCode}): ${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port}: ${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stopProcess(proc: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
    proc.once("exit", () => {
      clearTimeout(t);
      resolve();
    });
    proc.kill(signal);
  });
}

export interface Mosquitto {
  port: number;
  url: string;
  /** Stops the broker; `start()` again brings it back on the same port (to cut the cloud). */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface MosquittoOptions {
  /** username -> password; when given, anonymous clients are refused. */
  users?: Record<string, string>;
  port?: number;
}

/** Whether a server's output says its port was taken (Mosquitto and VictoriaMetrics both say so). */
function portTaken(err: unknown): boolean {
  return err instanceof Error && /address already in use/i.test(err.message);
}

/**
 * Starts a server on a port from freePort(); when another process took that port between the
 * pick and the server's bind, starts it again on a new port (a few times).
 */
export async function onFreePort(
  fixedPort: number | undefined,
  startOn: (port: number) => Promise<void>,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await freePort());
    try {
      await startOn(port);
      return port;
    } catch (err) {
      if (fixedPort !== undefined || attempt >= 5 || !portTaken(err)) throw err;
    }
  }
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<Mosquitto> {
  const bin = requireBinary("mosquitto", "mosquitto");
  const dir = tmpDir("haitang-mosq-");
  // Stay the user we are: as root, mosquitto would drop to "mosquitto" and lose the 0700 temp dir.
  const conf = [
    `user ${userInfo().username}`,
    "persistence false",
    "set_tcp_nodelay true",
    "log_dest stderr",
    "log_type error",
    "log_type warning",
  ];
  if (opts.users) {
    const pw = join(dir.path, "passwd");
    writeFileSync(pw, "");
    const { spawnSync } = await import("node:child_process");
    for (const [u, p] of Object.entries(opts.users)) {
      const r = spawnSync(requireBinary("mosquitto_passwd", "mosquitto"), ["-b", pw, u, p]);
      if (r.status !== 0) throw new Error(`mosquitto_passwd failed: ${r.stderr}`);
    }
    conf.push("allow_anonymous false", `password_file ${pw}`);
  } else {
    conf.push("allow_anonymous true");
  }
  const confPath = join(dir.path, "mosquitto.conf");
  let proc: ChildProcess | undefined;
  let out = "";
  const startOn = async (port: number) => {
    writeFileSync(confPath, [...conf, `listener ${port} 127.0.0.1`].join("\n") + "\n");
    out = "";
    proc = spawn(bin, ["-c", confPath], { stdio: ["ignore", "pipe", "pipe"] });
    proc.stderr?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    await waitForPort(port, proc, "mosquitto", () => out);
  };
  const port = await onFreePort(opts.port, startOn);
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    start: () => startOn(port),
    stop: async () => {
      if (proc) await stopProcess(proc);
    },
  };
}

export interface VictoriaMetrics {
  port: number;
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Runs a MetricsQL/PromQL instant query and returns the result vector. */
  query(q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  /** Exports raw samples of series matching `match` (JSON lines). */
  exportSeries(
    match: string,
  ): Promise<Array<{ metric: Record<string, string>; values: number[]; timestamps: number[] }>>;
  /** Makes recent writes visible to queries. */
  flush(): Promise<void>;
}

export interface VictoriaMetricsOptions {
  /**
   * Collapse samples of one series with the same timestamp (what a redelivered
   * message writes again). Off in tests, so a double write stays visible.
   */
  dedup?: boolean;
}

export async function startVictoriaMetrics(
  opts: VictoriaMetricsOptions = {},
): Promise<VictoriaMetrics> {
  const bin = requireBinary("victoria-metrics", "victoria-metrics");
  const dir = tmpDir("haitang-vm-");
  let proc: ChildProcess | undefined;
  let out = "";
  const startOn = async (port: number) => {
    out = "";
    proc = spawn(
      bin,
      [
        `-storageDataPath=${dir.path}`,
        `-httpListenAddr=127.0.0.1:${port}`,
        "-retentionPeriod=100y",
        "-search.latencyOffset=0s",
        "-loggerLevel=ERROR",
        ...(opts.dedup ? ["-dedup.minScrapeInterval=1ms"] : []),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    proc.stderr?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    await waitForPort(port, proc, "victoria-metrics", () => out);
  };
  const port = await onFreePort(undefined, startOn);
  const start = () => startOn(port);
  const url = `http://127.0.0.1:${port}`;
  return {
    port,
    url,
    start,
    stop: async () => {
      if (proc) await stopProcess(proc);
    },
    flush: async () => {
      await fetch(`${url}/internal/force_flush`);
    },
    query: async (q) => {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = (await res.json()) as {
        data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
      };
      return body.data.result;
    },
    exportSeries: async (match) => {
      const res = await fetch(`${url}/api/v1/export?match[]=${encodeURIComponent(match)}`);
      const text = await res.text();
      return text
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l));
    },
  };
}
