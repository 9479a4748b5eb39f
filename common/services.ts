/**
 * Real components the project starts for itself: free ports, pseudo-terminal
 * pairs (socat), and a check for binaries that names the Debian package.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readlinkSync } from "node:fs";
import { createServer } from "node:net";

/**
 * The first port Linux hands out to outgoing connections and to servers that listen on
 * port 0 (`net.ipv4.ip_local_port_range`, 32768 by default).
 */
function ephemeralLow(): number {
  try {
    const low = Number(
      readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").split(/\s+/)[0],
    );
    return Number.isInteger(low) && low > 0 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** Ports this process handed out already: never twice, even once their server has stopped. */
const handedOut = new Set<number>();
const LOWEST_PORT = 10_000;

/** Whether a server could listen on `port` on every IPv4 address now (the widest bind there is). */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", () => resolve(false));
    srv.listen(port, "0.0.0.0", () => srv.close(() => resolve(true)));
  });
}

function kernelPort(): Promise<number> {
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

/**
 * A port nothing listens on, for a server started afterwards (Mosquitto, VictoriaMetrics, a
 * gateway's HTTP and MQTT servers). Between this answer and that server's bind the port must
 * stay free, so it is drawn at random from below the ephemeral range: a port there is never
 * given to another process's outgoing connection or to a server on port 0, which the kernel's
 * own pick (the ephemeral range) could be. Only another caller of this function in another
 * process could take it meanwhile, one chance in thousands; startMosquitto and
 * startVictoriaMetrics also retry on a new port when theirs is taken.
 */
export async function freePort(): Promise<number> {
  const high = ephemeralLow() - 1;
  if (high - LOWEST_PORT >= 1000) {
    for (let i = 0; i < 100; i++) {
      const port = LOWEST_PORT + Math.floor(Math.random() * (high - LOWEST_PORT + 1));
      if (handedOut.has(port) || !(await canListen(port))) continue;
      handedOut.add(port);
      return port;
    }
  }
  const port = await kernelPort();
  handedOut.add(port);
  return port;
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
    const deadline = Date.now() + 30_000;
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
