/**
 * A Mosquitto with a configuration of the test's own (TLS listener, ACL),
 * which tests/support's startMosquitto does not offer. Not used by the
 * running gateway.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import { userInfo } from "node:os";
import { join } from "node:path";
import { freePort, requireBinary, waitFor } from "../../tests/support/services.js";

export interface TestBroker {
  port: number;
  /** The mosquitto process (benches sample its CPU). */
  pid: number;
  stop(): Promise<void>;
}

/** `lines` go after the listener line; `dir` holds the config file. */
export async function startConfiguredMosquitto(dir: string, lines: string[]): Promise<TestBroker> {
  const port = await freePort();
  const conf = join(dir, `mosquitto-${port}.conf`);
  writeFileSync(
    conf,
    [
      `user ${userInfo().username}`,
      `listener ${port} 127.0.0.1`,
      ...lines,
      "persistence false",
      "log_dest stderr",
      "log_type error",
      "",
    ].join("\n"),
  );
  let out = "";
  const proc: ChildProcess = spawn(requireBinary("mosquitto", "mosquitto"), ["-c", conf], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  proc.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  await waitFor(async () => {
    if (proc.exitCode !== null) throw new Error(`mosquitto exited (${proc.exitCode}): ${out}`);
    return new Promise<true | undefined>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(undefined));
    });
  }, "mosquitto to listen");
  return {
    port,
    pid: proc.pid!,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      await exited;
    },
  };
}
