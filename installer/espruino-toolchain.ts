/**
 * The Espruino toolchain (`espruino` 0.1.67) as a promise API for one board
 * connection, with the toolchain's known faults worked around here rather
 * than in node_modules:
 *
 * - it lists ports with serialport.list() and refuses any other path, so
 *   pseudo-terminals and symlinks are refused, and a cable pulled mid-upload
 *   throws out of the process: our own transport (serial-transport.ts)
 *   replaces its "Node Serial" one;
 * - its Bluetooth, WebRTC and other transports start on getPorts (node-ble
 *   dials D-Bus and crashes the process when there is none): we keep only
 *   our transport;
 * - it queries process.env on connect (ENV_ON_CONNECT): off, we query it
 *   ourselves once and hand the answer to its Env so nothing goes online;
 * - its modules/ lookup throws and its module loader fetches from the web:
 *   we upload through CodeWriter directly, never through the module-resolving
 *   "transformForEspruino" processors;
 * - uploads under 512 bytes can hang unless throttled: SERIAL_THROTTLE_SEND=1
 *   for them;
 * - it logs everything with console.log: captured into `log` while a
 *   connection is open;
 * - its write queue and write loop live in one Connection object for the
 *   whole process, and a loop cut by a pulled cable resumes from its timers
 *   (the 250 ms pause after each Storage.write line) after the board has been
 *   plugged in again, taking items off the new connection's queue: each
 *   connection gets a fresh Connection whose writes stop when it is replaced;
 * - Utils.executeExpression swaps the one global receive listener and puts
 *   its saved one back when its own timers fire, also after a cut: a late
 *   one deafens the next connection. evaluate() reads answers from this
 *   connection's own received text instead.
 */
import { existsSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import {
  type EspruinoConnection,
  type EspruinoGlobal,
  type EspruinoModule,
  espruinoGlobal,
} from "./espruino-globals.js";
import { haitangSerialTransport, requestedPorts } from "./serial-transport.js";

const SMALL_UPLOAD_BYTES = 512;

let initialised: Promise<EspruinoGlobal> | undefined;
/** The Connection the toolchain set up in init(): its receive forwarder and transport writer. */
let original: EspruinoConnection | undefined;
/** Counts opened connections; only the newest one's Connection may write. */
let generation = 0;

/** The markers Espruino prints around an evaluated answer (as the Web IDE's). */
const ANSWER = /< <<([\s\S]*?)>> >/;

/**
 * One toolchain log line as kept. The toolchain logs the code it sends, in
 * chunks that may split a key, and the image carries the device key: lines
 * that dump sent data keep only their length; anything else shaped like a
 * key (32 hex digits) is blanked; long lines are cut short.
 */
export function redactLogLine(line: string): string {
  const dump = /^serial: (Sending|--->) /.exec(line);
  if (dump) return `serial: ${dump[1]} (${line.length - dump[0].length} characters of code)`;
  const clean = line.replace(/[0-9a-fA-F]{32}/g, "<key redacted>");
  return clean.length > 300 ? `${clean.slice(0, 300)}… (${clean.length} characters)` : clean;
}

function captureConsole(sink: string[]): () => void {
  const saved = {
    log: console.log,
    info: console.info,
    warn: console.warn,
    error: console.error,
  };
  const keep = (...args: unknown[]) => {
    sink.push(redactLogLine(args.map((a) => (typeof a === "string" ? a : safeJson(a))).join(" ")));
    if (sink.length > 2000) sink.splice(0, sink.length - 1000);
  };
  console.log = keep;
  console.info = keep;
  console.warn = keep;
  console.error = keep;
  return () => Object.assign(console, saved);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Loads and initialises the toolchain once per process. */
export function loadToolchain(log: string[] = []): Promise<EspruinoGlobal> {
  if (!initialised) {
    initialised = new Promise((resolve, reject) => {
      const restore = captureConsole(log);
      try {
        const esp = createRequire(import.meta.url)("espruino") as EspruinoModule;
        esp.init(() => {
          try {
            resolve(configure(espruinoGlobal()));
          } catch (err) {
            reject(err);
          } finally {
            restore();
          }
        });
      } catch (err) {
        restore();
        reject(err);
      }
    });
  }
  return initialised;
}

function configure(E: EspruinoGlobal): EspruinoGlobal {
  original = E.Core.Serial.connection;
  const devices = E.Core.Serial.devices;
  devices.splice(0, devices.length, haitangSerialTransport(E));
  Object.assign(E.Config, {
    ENV_ON_CONNECT: false,
    BLUETOOTH_LOW_ENERGY: false,
    BLUETOOTH_LOW_ENERGY_DBUS: false,
    WEB_BLUETOOTH: false,
    RESET_BEFORE_SEND: true,
    SAVE_ON_SEND: 0,
    SET_TIME_ON_WRITE: false,
    STORE_LINE_NUMBERS: false,
    MODULE_URL: "",
    SERIAL_THROTTLE_SEND: 0,
  });
  return E;
}

/**
 * Gives the toolchain a new Connection for the connection about to open.
 * Writes of an older Connection (a loop resumed by a timer after its cable
 * was pulled) go nowhere and never complete.
 */
function freshConnection(E: EspruinoGlobal): void {
  const base = original;
  if (!base?.writeLowLevel) throw new Error("the Espruino toolchain has no serial connection");
  const mine = ++generation;
  const Ctor = (base as { constructor: new () => EspruinoConnection }).constructor;
  const fresh = new Ctor();
  if (base.cb) fresh.cb = base.cb;
  const write = base.writeLowLevel;
  fresh.writeLowLevel = (data) =>
    mine === generation && E.Core.Serial.isConnected()
      ? write(data)
      : new Promise<void>(() => undefined);
  E.Core.Serial.connection = fresh;
}

export interface UploadProgress {
  sentBytes: number;
  totalBytes: number;
}

export class ToolchainDisconnected extends Error {
  override readonly name = "ToolchainDisconnected";
}
export class ToolchainTimeout extends Error {
  override readonly name = "ToolchainTimeout";
}

export interface ConnectOptions {
  baud?: number;
  /** Toolchain log lines go here (for --verbose and error reports). */
  log?: string[];
}

/** One open connection to a board through the toolchain. */
export class ToolchainConnection {
  /** What the board printed since the connection opened: the last 100–200 KB of it. */
  private received = "";
  /** Characters dropped from the front of `received` (marks stay absolute). */
  private dropped = 0;
  private disconnectWaiters: Array<() => void> = [];
  private closed = false;
  private disconnectedFlag = false;
  private primed = false;
  /** Evaluations waiting for more output. */
  private answerWaiters: Array<() => void> = [];

  private constructor(
    private readonly E: EspruinoGlobal,
    readonly port: string,
    readonly log: string[],
    private readonly restoreConsole: () => void,
  ) {}

  /** Opens `port`. Rejects when the toolchain cannot open it. */
  static async open(port: string, opts: ConnectOptions = {}): Promise<ToolchainConnection> {
    const log = opts.log ?? [];
    const E = await loadToolchain(log);
    if (E.Core.Serial.isConnected()) throw new Error("the Espruino toolchain is already connected");
    const restore = captureConsole(log);
    E.Config.BAUD_RATE = opts.baud ?? 9600;
    requestedPorts.add(port);
    freshConnection(E);
    // Refresh its port table so a new path is found at once (else it retries every 500 ms).
    await new Promise<void>((resolve) => E.Core.Serial.getPorts(() => resolve()));
    const conn = new ToolchainConnection(E, port, log, restore);
    const ok = await new Promise<boolean>((resolve) => {
      E.Core.Serial.open(
        port,
        (info) => resolve(info !== undefined && info !== null && typeof info !== "object"),
        () => conn.onDisconnect(),
      );
    });
    if (!ok) {
      conn.closed = true;
      requestedPorts.delete(port);
      restore();
      throw new Error(`the toolchain could not open ${port}: ${conn.lastLogLines(3)}`);
    }
    E.Core.Serial.startListening((data) => {
      conn.received += String.fromCharCode(...new Uint8Array(data));
      if (conn.received.length > 200_000) {
        conn.dropped += conn.received.length - 100_000;
        conn.received = conn.received.slice(-100_000);
      }
      for (const w of conn.answerWaiters.splice(0)) w();
    });
    return conn;
  }

  get disconnected(): boolean {
    return this.disconnectedFlag;
  }

  lastLogLines(n: number): string {
    return this.log.slice(-n).join(" | ");
  }

  /** Board output received so far; `from` is an earlier outputMark(). */
  output(from = 0): string {
    return this.received.slice(Math.max(0, from - this.dropped));
  }

  outputMark(): number {
    return this.dropped + this.received.length;
  }

  /**
   * Evaluates `expr` on the board the way the Web IDE does (an echo-off line
   * that prints JSON.stringify(expr) between `< <<` and `>> >`) and parses
   * the JSON. The first evaluation on a connection sends a newline first, so
   * a line left half-typed by an earlier cut is ended, not prefixed.
   */
  async evaluate(expr: string, timeoutMs = 6000): Promise<unknown> {
    const what = redactLogLine(`evaluate ${expr}`).slice(0, 120);
    if (!this.primed) {
      this.primed = true;
      this.E.Core.Serial.write("\n", false);
    }
    const mark = this.outputMark();
    this.E.Core.Serial.write(`\x10print("<","<<",JSON.stringify(${expr}),">>",">")\n`, false);
    let settled = false;
    const answer = await this.guard(
      new Promise<string>((resolve) => {
        const check = () => {
          if (settled) return;
          const m = ANSWER.exec(this.output(mark));
          if (m) resolve(m[1] as string);
          else this.answerWaiters.push(check);
        };
        check();
      }),
      timeoutMs,
      `no answer to ${what}`,
    ).finally(() => {
      settled = true;
    });
    const trimmed = answer.trim();
    if (trimmed === "" || trimmed === "undefined") return undefined;
    try {
      return JSON.parse(trimmed);
    } catch {
      return this.E.Core.Utils.parseRJSON(trimmed);
    }
  }

  /** Tells the toolchain about the board (so it never looks modules up) and picks throttling. */
  describeBoard(env: Record<string, unknown>): void {
    const data = this.E.Core.Env.getData();
    Object.assign(data, env);
    if (typeof env.CONSOLE === "string" && ["USB", "Bluetooth", "Telnet"].includes(env.CONSOLE)) {
      this.E.Core.Serial.setSlowWrite(false); // what its versionChecker does for these consoles
    }
  }

  /**
   * Uploads `code` to RAM the way the IDE does (CodeWriter: `reset()`, then
   * each statement on its own echo-off line). Resolves when the last byte has
   * been written; `stallMs` without progress rejects.
   */
  async upload(
    code: string,
    onProgress: (p: UploadProgress) => void,
    stallMs = 8000,
  ): Promise<void> {
    const E = this.E;
    const small = code.length < SMALL_UPLOAD_BYTES;
    E.Config.SERIAL_THROTTLE_SEND = small ? 1 : 0;
    if (small) E.Core.Serial.setSlowWrite(true);
    let total = code.length;
    let sent = 0;
    let lastProgressAt = Date.now();
    const savedStatus = E.Core.Status;
    E.Core.Status = {
      setStatus: (_msg, len) => {
        if (typeof len === "number" && len > 0) total = len;
      },
      hasProgress: () => true,
      incrementProgress: (amount) => {
        sent = Math.min(total, sent + amount);
        lastProgressAt = Date.now();
        onProgress({ sentBytes: sent, totalBytes: total });
      },
    };
    let stallTimer: NodeJS.Timeout | undefined;
    try {
      await this.guard(
        new Promise<void>((resolve, reject) => {
          stallTimer = setInterval(() => {
            if (Date.now() - lastProgressAt > stallMs) {
              reject(new ToolchainTimeout(`upload stalled at ${sent} of ${total} bytes`));
            }
          }, 200);
          E.Core.CodeWriter.writeToEspruino(code, () => resolve());
        }),
        0,
        "upload",
      );
      onProgress({ sentBytes: total, totalBytes: total });
    } catch (err) {
      if (err instanceof ToolchainDisconnected) {
        throw new ToolchainDisconnected(`board disconnected at ${sent} of ${total} bytes`);
      }
      throw err;
    } finally {
      if (stallTimer) clearInterval(stallTimer);
      E.Core.Status = savedStatus;
      E.Config.SERIAL_THROTTLE_SEND = 0;
    }
  }

  /** Sends one echo-off line without waiting for anything. */
  send(line: string): void {
    this.E.Core.Serial.write(`\x10${line}\n`, false);
  }

  /** Sends one echo-off line and waits until the board's output matches `until`. */
  async command(line: string, until: RegExp, timeoutMs: number): Promise<string> {
    const mark = this.outputMark();
    this.E.Core.Serial.write(`\x10${line}\n`, false);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.disconnectedFlag)
        throw new ToolchainDisconnected(`board disconnected during ${line}`);
      const out = this.output(mark);
      if (until.test(out)) return out;
      if (Date.now() > deadline) throw new ToolchainTimeout(`no answer to ${line}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Closes the port (idempotent) and stops capturing the toolchain's console. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.disconnectedFlag && this.E.Core.Serial.isConnected()) {
      const gone = new Promise<void>((r) => this.disconnectWaiters.push(r));
      this.E.Core.Serial.close();
      await Promise.race([gone, new Promise((r) => setTimeout(r, 2000))]);
    }
    this.E.Core.Serial.startListening(undefined);
    requestedPorts.delete(this.port);
    this.restoreConsole();
  }

  private onDisconnect(): void {
    this.disconnectedFlag = true;
    for (const w of this.disconnectWaiters.splice(0)) w();
  }

  /** Races `p` against a disconnect and an optional timeout (0: none). */
  private guard<T>(p: Promise<T>, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.disconnectedFlag) {
        reject(new ToolchainDisconnected(`board disconnected before ${what}`));
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const onGone = () => {
        if (timer) clearTimeout(timer);
        reject(new ToolchainDisconnected(`board disconnected during ${what}`));
      };
      this.disconnectWaiters.push(onGone);
      if (timeoutMs > 0) {
        timer = setTimeout(() => reject(new ToolchainTimeout(`timed out: ${what}`)), timeoutMs);
      }
      p.then(
        (v) => {
          if (timer) clearTimeout(timer);
          this.disconnectWaiters = this.disconnectWaiters.filter((w) => w !== onGone);
          resolve(v);
        },
        (err: unknown) => {
          if (timer) clearTimeout(timer);
          this.disconnectWaiters = this.disconnectWaiters.filter((w) => w !== onGone);
          reject(err);
        },
      );
    });
  }
}

/** The real path behind a symlink (the toolchain matches listed paths exactly). */
export function resolvePortPath(path: string): string {
  return existsSync(path) ? realpathSync(path) : path;
}
