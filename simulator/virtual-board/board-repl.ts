/**
 * A virtual Espruino board's console: what the interpreter prints back to the
 * Espruino toolchain for each line it receives. No I/O: the wiring
 * (virtual-board.ts) feeds bytes in and writes `output` to the pty.
 *
 * Model (kept honest in the names): statements uploaded to RAM are held and
 * syntax-checked as they arrive; `save()` writes them to flash (Storage
 * `.varimg`) and boots them in the firmware host; `load()` boots the program
 * in flash again; `reset()` stops the program and clears RAM but keeps flash.
 * Flash is Espruino's Storage, shared with the running program: code written
 * to `.bootcde` with `require("Storage").write(name, data, offset, size)` (as
 * `haitang flash` installs images) is what boots, before a `save()`d program.
 * Console queries (`print(...)`, `process.env`, Storage reads and writes) are
 * answered from the running program when there is one, else by the REPL.
 */
import { createContext, runInContext, Script } from "node:vm";
import { findBoard } from "../../firmware/build/boards.js";
import {
  createStorageApi,
  DEFAULT_STORAGE_BYTES,
  type EspruinoStorageApi,
  type StorageFiles,
} from "../../firmware/sandbox/storage.js";
import { type BoardProfile, boardEnv } from "./board-profiles.js";
import type { FirmwareHost, FirmwareRuntime } from "./firmware-host.js";
import { LineInput } from "./line-input.js";

export interface BoardReplOptions {
  profile: BoardProfile;
  serial: string;
  host: FirmwareHost;
  /** Program text RAM can hold; defaults to the profile's. */
  programBytes?: number;
  /** Bytes of Storage (flash for files); defaults to the board's. */
  storageBytes?: number;
  /** Called with everything the board prints. */
  output: (text: string) => void;
}

const COMMAND = /^(reset|save|load|echo)\s*\(\s*([01]?)\s*\)\s*;?$/;
/** The Storage file a board runs at boot (Espruino's E.setBootCode / the IDE's "save to flash"). */
export const BOOT_CODE_FILE = ".bootcde";
/** Boot code that evaluates one Storage file. */
const LOADER = /^eval\(require\("Storage"\)\.read\(("[^"\\]+")\)\);?$/;
/** Where `save()` keeps the RAM program (Espruino keeps its saved state there). */
export const SAVED_STATE_FILE = ".varimg";
const BANNER = [
  " ____                 _",
  "|  __|___ ___ ___ _ _|_|___ ___",
  "|  __|_ -| . |  _| | | |   | . |",
  "|____|___|  _|_| |___|_|_|_|___|",
  "         |_| espruino.com",
  " 2v29 (c) 2025 G.Williams (Haitang virtual board)",
  "",
].join("\r\n");

export class BoardRepl {
  private readonly input = new LineInput();
  private echo = true;
  private ram: string[] = [];
  private ramBytes = 0;
  /** The board's flash: Storage files, the same map the running program sees. */
  readonly storage: StorageFiles;
  private readonly storageApi: EspruinoStorageApi;
  private runtime: FirmwareRuntime | undefined;
  private promptShown = false;
  private readonly replContext: object;
  readonly env: Record<string, unknown>;

  constructor(private readonly opts: BoardReplOptions) {
    this.env = boardEnv(opts.profile, opts.serial);
    this.storage = opts.host.storage ?? new Map();
    this.storageApi = createStorageApi(
      this.storage,
      JSON,
      (m) => new Error(m),
      opts.storageBytes ?? findBoard(opts.profile.name)?.storageBytes ?? DEFAULT_STORAGE_BYTES,
    );
    const storageApi = this.storageApi;
    this.replContext = createContext({
      process: { env: this.env },
      require: (name: string) => {
        if (name === "Storage") return storageApi;
        throw new Error(`Module ${name} not found`);
      },
      btoa: (s: string) => Buffer.from(String(s), "latin1").toString("base64"),
      atob: (s: string) => Buffer.from(String(s), "base64").toString("latin1"),
    });
  }

  /** Bytes from the host (binary string). */
  receive(chunk: string): void {
    for (const ev of this.input.push(chunk, this.echo)) {
      if (ev.type === "echo") {
        this.write(ev.text);
        this.promptShown = false;
      } else if (ev.type === "empty") {
        if (this.echo && !ev.echoOff) this.write("\r\n");
        this.promptShown = false;
      } else if (ev.type === "interrupt") {
        if (this.echo) this.write("\r\n");
        this.promptShown = false;
      } else {
        this.runLine(ev.source, ev.echoOff);
      }
    }
    if (this.echo && !this.promptShown && this.input.pending() === "") {
      this.write(">");
      this.promptShown = true;
    }
  }

  /**
   * The program in flash that boots: `.bootcde` if present, else the `save()`d
   * one. Boot code that only evaluates a Storage file (the installer's loader,
   * `eval(require("Storage").read("haitang.js"))`) boots that file's code.
   */
  savedProgram(): string | undefined {
    const boot = this.storage.get(BOOT_CODE_FILE);
    if (boot === undefined) return this.storage.get(SAVED_STATE_FILE);
    const loader = LOADER.exec(boot.trim());
    return loader ? this.storage.get(JSON.parse(loader[1] as string) as string) : boot;
  }

  /** Statements held in RAM since the last reset(). */
  ramProgram(): string {
    return this.ram.join("\n");
  }

  isRunning(): boolean {
    return this.runtime !== undefined;
  }

  /** Power-on: boots the saved program, as after plugging the board in. */
  powerOn(): void {
    this.stopRuntime();
    this.ram = [];
    this.ramBytes = 0;
    this.input.reset();
    this.echo = true;
    const program = this.savedProgram();
    if (program !== undefined) this.boot(program);
  }

  /** Power-off: the program stops; flash stays. */
  powerOff(): void {
    this.stopRuntime();
  }

  private write(text: string): void {
    this.opts.output(text);
  }

  /** Text the program or the console prints, on its own line. */
  private print(text: string): void {
    this.write(text.replace(/\n/g, "\r\n") + "\r\n");
    this.promptShown = false;
  }

  private runLine(source: string, echoOff: boolean): void {
    const quiet = echoOff || !this.echo;
    if (!quiet) this.write("\r\n");
    const command = COMMAND.exec(source.trim());
    if (command) {
      this.runCommand(command[1] ?? "", command[2] ?? "", quiet);
      return;
    }
    if (/^\s*print\s*\(/.test(source) || this.runtime !== undefined) {
      // A console query, or code typed at a running program: evaluate now.
      this.evaluate(source, quiet);
      return;
    }
    this.holdInRam(source, quiet);
  }

  private runCommand(name: string, arg: string, quiet: boolean): void {
    if (name === "echo") {
      this.echo = arg !== "0";
      this.result(undefined, quiet);
    } else if (name === "reset") {
      this.stopRuntime();
      this.ram = [];
      this.ramBytes = 0;
      this.write(BANNER + "\r\n");
      this.promptShown = false;
    } else if (name === "save") {
      this.save(quiet);
    } else if (name === "load") {
      this.result(undefined, quiet);
      const program = this.savedProgram();
      if (program === undefined) this.print("ERROR: No saved program in flash");
      else {
        this.ram = [];
        this.ramBytes = 0;
        this.boot(program);
      }
    }
  }

  private save(quiet: boolean): void {
    this.result(undefined, quiet);
    const program = this.ram.join("\n");
    const limit = this.opts.profile.flashBytes / 4;
    if (program.length > limit) {
      this.print(`ERROR: Too big to save to flash (${program.length} vs ${limit} bytes)`);
      return;
    }
    this.print("Compacting Flash...");
    this.print("Calculating Size...");
    this.print("Writing..");
    this.print(`Compressed ${program.length} bytes to ${Math.ceil(program.length * 0.45)}`);
    this.print("Checking...");
    this.storage.set(SAVED_STATE_FILE, program);
    this.print("Done!");
    this.boot(program);
  }

  private boot(program: string): void {
    this.stopRuntime();
    try {
      this.runtime = this.opts.host.boot(program, (text) => this.print(text));
    } catch (err) {
      this.runtime = undefined;
      this.print(`Uncaught ${describeError(err)}`);
    }
  }

  private stopRuntime(): void {
    const r = this.runtime;
    this.runtime = undefined;
    r?.stop();
  }

  private holdInRam(source: string, quiet: boolean): void {
    const limit = this.opts.programBytes ?? this.opts.profile.programBytes;
    if (this.ramBytes + source.length > limit) {
      this.print("ERROR: Out of Memory!");
      this.print("Execution Interrupted");
      return;
    }
    try {
      new Script(source);
    } catch (err) {
      this.print(`Uncaught ${describeError(err)}`);
      return;
    }
    this.ram.push(source);
    this.ramBytes += source.length + 1;
    this.result(undefined, quiet);
  }

  private evaluate(source: string, quiet: boolean): void {
    const print = (text: string) => this.print(text);
    try {
      const value = this.runtime
        ? this.runtime.evaluate(source, print)
        : this.evaluateInRepl(source, print);
      this.result(value, quiet);
    } catch (err) {
      this.print(`Uncaught ${describeError(err)}`);
    }
  }

  private evaluateInRepl(source: string, print: (text: string) => void): unknown {
    const ctx = this.replContext as Record<string, unknown>;
    ctx.print = (...args: unknown[]) => print(args.map(espruinoString).join(" "));
    ctx.console = { log: ctx.print };
    // A bound for a line that never ends (wall time, so not one a starved test process reaches).
    return runInContext(source, this.replContext, { timeout: 10_000 });
  }

  private result(value: unknown, quiet: boolean): void {
    if (quiet) return;
    this.write(`=${espruinoString(value)}\r\n`);
    this.promptShown = false;
  }
}

/** How Espruino's print() shows a value: strings as they are, the rest as JSON. */
export function espruinoString(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === undefined) return "undefined";
  if (typeof v === "function") return "function () { [native code] }";
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  if (err && typeof err === "object" && "message" in err) {
    const e = err as { name?: unknown; message: unknown };
    return `${String(e.name ?? "Error")}: ${String(e.message)}`;
  }
  return String(err);
}
