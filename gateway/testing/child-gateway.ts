/**
 * Runs `haitang gateway` in a child process, for tests that kill it. The CLI
 * command is bundled with esbuild into .tmp/ (gitignored) so the test needs
 * no prior `npm run build`; node_modules resolve from the repository.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { repoRoot } from "../../common/paths.js";
import { waitFor } from "../../common/servers.js";

let bundled: Promise<string> | undefined;

/** Bundles cli/commands/gateway.ts once per test process; returns the .mjs path. */
export function bundleGatewayCli(): Promise<string> {
  if (!bundled) {
    const root = repoRoot();
    const outDir = join(root, ".tmp");
    mkdirSync(outDir, { recursive: true });
    const outfile = join(outDir, `gateway-cli-${process.pid}.mjs`);
    const entry = join(root, "gateway", "testing", "child-main.ts");
    bundled = build({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      outfile,
      logLevel: "silent",
    }).then(() => outfile);
  }
  return bundled;
}

export interface ChildGateway {
  proc: ChildProcess;
  ready: { http: number; mqtt: number };
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `nodeArgs` go before the script (e.g. --cpu-prof for the end-to-end bench);
 * `startMs` is how long it may take to be ready (a site of 10,000 devices on a busy machine);
 * `viaBin`: start the built `bin/haitang.js gateway` as a user does (benches: what the product
 * sets up before its modules load counts) instead of the bundle (tests: no build needed);
 * `env`: more environment for the gateway (the bench: what its deployment sets).
 */
export async function startChildGateway(
  configPath: string,
  password: string,
  nodeArgs: string[] = [],
  startMs = 60_000,
  viaBin = false,
  env: Record<string, string> = {},
): Promise<ChildGateway> {
  const script = viaBin
    ? [join(repoRoot(), "bin", "haitang.js"), "gateway"]
    : [await bundleGatewayCli()];
  const proc = spawn(
    process.execPath,
    [...nodeArgs, ...script, "--config", configPath, "--install-password", password, "--no-watch"],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, HAITANG_LOG_LEVEL: "warn", ...env },
    },
  );
  let err = "";
  let out = "";
  proc.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const ready = await new Promise<{ http: number; mqtt: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${err}`)), startMs);
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.includes('"ready"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { http: number; mqtt: number });
      }
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}: ${err}`));
    });
  });
  // "ready" comes once the servers listen; the serial receivers open their ports after it. A
  // frame written before the gateway opened its side of a pty is lost (the open flushes the
  // line), so a test could wait in vain for its ack: the gateway is ready once they are up too.
  await receiversUp(ready.http, proc, startMs, () => err);
  return { proc, ready, stderr: () => err, exited };
}

/** Polls the gateway's /metrics until every haitang_gateway_receiver_up gauge is 1. */
function receiversUp(
  httpPort: number,
  proc: ChildProcess,
  timeoutMs: number,
  stderr: () => string,
): Promise<boolean> {
  return waitFor(
    async () => {
      if (proc.exitCode !== null)
        throw new Error(`gateway exited with ${proc.exitCode}: ${stderr()}`);
      const text = await fetch(`http://127.0.0.1:${httpPort}/metrics`)
        .then((r) => r.text())
        .catch(() => "");
      const up = text.split("\n").filter((l) => l.startsWith("haitang_gateway_receiver_up{"));
      return text && up.every((l) => l.endsWith(" 1")) ? true : undefined;
    },
    "the gateway's receivers to open",
    timeoutMs,
  );
}
