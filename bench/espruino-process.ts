/**
 * One real Espruino interpreter (its Linux build, which the user has built
 * with a board's fixed JsVar count) as a child process driven through its
 * console: lines in on stdin, printed lines out on stdout. For
 * bench/firmware-memory.ts only; nothing here builds or fetches Espruino.
 *
 * ESPRUINO_BIN     the interpreter: a path, or a template with {vars} for the
 *                  board's JsVar count (e.g. /opt/espruino/espruino-{vars});
 *                  ESPRUINO_BIN_<vars> (e.g. ESPRUINO_BIN_2630) overrides it
 *                  for one count
 * ESPRUINO_WRAPPER optional command the interpreter runs under (e.g. an
 *                  emulator for a 32-bit build: "qemu-i386")
 * ESPRUINO_DEBUG   set: echo everything the interpreter prints to stderr
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The interpreter for `jsVars`, or a sentence saying why there is none. */
export function interpreterFor(jsVars: number): { bin: string } | { missing: string } {
  const own = process.env[`ESPRUINO_BIN_${jsVars}`];
  const template = process.env.ESPRUINO_BIN;
  const bin = own ?? template?.replace("{vars}", String(jsVars));
  if (!bin) return { missing: `set ESPRUINO_BIN (or ESPRUINO_BIN_${jsVars})` };
  if (!existsSync(bin)) return { missing: `no interpreter at ${bin}` };
  return { bin };
}

export class EspruinoProcess {
  private readonly child: ChildProcess;
  private readonly dir: string;
  private text = "";
  private consumed = 0;
  private marker = 0;
  private exited = false;
  /** Every complete line printed, in order (prompts stripped). */
  readonly lines: string[] = [];
  private lineListeners: ((line: string) => void)[] = [];

  constructor(bin: string) {
    // Each run has its own folder: the Linux build keeps its flash (Storage) in ./espruino.flash.
    this.dir = mkdtempSync(join(tmpdir(), "haitang-espruino-"));
    const wrapper = process.env.ESPRUINO_WRAPPER?.trim();
    const [cmd, ...args] = wrapper ? [...wrapper.split(/\s+/), bin] : [bin];
    this.child = spawn(cmd as string, args, { cwd: this.dir, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout?.on("data", (d: Buffer) => this.onText(d.toString("latin1")));
    this.child.stderr?.on("data", () => {});
    this.child.on("exit", () => {
      this.exited = true;
    });
  }

  onLine(fn: (line: string) => void): void {
    this.lineListeners.push(fn);
  }

  private onText(t: string): void {
    this.text += t;
    let nl = this.text.indexOf("\n", this.consumed);
    while (nl >= 0) {
      const line = this.text
        .slice(this.consumed, nl)
        .replace(/\r/g, "")
        .replace(/^[>:]+/, "");
      this.consumed = nl + 1;
      this.lines.push(line);
      if (process.env.ESPRUINO_DEBUG) console.error(`espruino| ${line}`);
      for (const fn of this.lineListeners) fn(line);
      nl = this.text.indexOf("\n", this.consumed);
    }
    if (this.consumed > 100_000) {
      this.text = this.text.slice(this.consumed);
      this.consumed = 0;
    }
  }

  /** Sends one line with echo off (Espruino's DLE prefix). */
  send(line: string): void {
    if (!this.exited) this.child.stdin?.write(`\x10${line}\n`);
  }

  /** Sends `lines`, then waits until the interpreter has run them all. */
  async run(lines: string[], timeoutMs = 60_000): Promise<void> {
    for (const l of lines) this.send(l);
    await this.sync(timeoutMs);
  }

  /** Resolves once every line sent so far has been executed. */
  async sync(timeoutMs = 60_000): Promise<void> {
    const tag = `@@sync${++this.marker}`;
    this.send(`print(${JSON.stringify(tag)})`);
    await this.waitFor((l) => l.includes(tag), timeoutMs, tag);
  }

  /** Waits for a printed line matching `test`; returns it. */
  waitFor(test: (line: string) => boolean, timeoutMs: number, what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.lineListeners = this.lineListeners.filter((f) => f !== fn);
        reject(new Error(`Espruino did not print ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const fn = (line: string) => {
        if (!test(line)) return;
        clearTimeout(timer);
        this.lineListeners = this.lineListeners.filter((f) => f !== fn);
        resolve(line);
      };
      this.lineListeners.push(fn);
    });
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      const gone = new Promise<void>((r) => this.child.once("exit", () => r()));
      this.child.kill("SIGTERM");
      await Promise.race([gone, sleep(2000)]);
      if (!this.exited) this.child.kill("SIGKILL");
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
