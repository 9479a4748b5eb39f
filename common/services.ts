/**
 * Real components the project starts for itself: free ports, pseudo-terminal
 * pairs (socat), and a check for binaries that names the Debian package.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readlinkSync } from "node:fs";
import { createServer } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Throws an error naming the Debian package when a binary is missing. */
export function requireBinary(bin: string, debianPackage: string): string {
  const candidates = [bin, `/usr/bin/${bin}`, `/usr/sbin/${bin}`, `/usr/local/bin/${bin}`];
  for (const c of candidates) if (c.startsWith("/") && existsSync(c)) return c;
  const which = spawnSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" });
  const found = which.stdout.trim();
  if (which.status === 0 && found) return found;
  throw new Error(`'${bin}' is not installed: apt-get install ${debianPackage}`);
}

export interface PtyPair {
  /** Path the device side (virtual board / simulator) opens. */
  devicePath: string;
  /** Path the host side (gateway / flasher) opens, like /dev/ttyUSB0. */
  hostPath: string;
  close(): Promise<void>;
}

/**
 * Creates two linked pseudo-terminals with socat, in raw mode. Paths are
 * symlinks under `dir` so they are stable and readable in logs.
 */
export async function createPtyPair(dir: string, name: string): Promise<PtyPair> {
  const socat = requireBinary("socat", "socat");
  const devicePath = `${dir}/${name}-device`;
  const hostPath = `${dir}/${name}-host`;
  const proc: ChildProcess = spawn(
    socat,
    ["-d", "-d", `pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${hostPath}`],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  proc.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + 10_000;
    const check = () => {
      if (
        stderr.includes("starting data transfer loop") &&
        existsSync(devicePath) &&
        existsSync(hostPath)
      ) {
        resolve();
      } else if (proc.exitCode !== null) {
        reject(new Error(`socat exited: ${stderr}`));
      } else if (Date.now() > deadline) {
        reject(new Error(`socat did not create ${hostPath} in time: ${stderr}`));
      } else {
        setTimeout(check, 10);
      }
    };
    check();
  });
  return {
    devicePath,
    hostPath,
    close: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once("exit", () => resolve());
        proc.kill("SIGTERM");
      }),
  };
}

/** The real /dev/pts/N behind a symlink made by createPtyPair. */
export function realPtyPath(link: string): string {
  try {
    return readlinkSync(link);
  } catch {
    return link;
  }
}
