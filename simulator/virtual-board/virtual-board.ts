/**
 * A virtual Espruino board on pseudo-terminals: its USB console (what the
 * flasher opens, like /dev/ttyACM0) and its radio UART (Serial1, what the
 * gateway's serial receiver opens). The wiring of board-repl.ts to socat ptys.
 *
 * Faults an installer meets, as options: a board of another type (`board`),
 * a board that never answers (`answers: false`), an upload cut half-way
 * (`cutUploadAfterBytes`, by unplugging or by hanging), too little memory
 * (`programBytes`).
 */
import { SerialPort } from "serialport";
import { createPtyPair, type PtyPair } from "../../common/services.js";
import { type BoardProfile, findBoardProfile } from "./board-profiles.js";
import { BoardRepl } from "./board-repl.js";
import type { FirmwareHost } from "./firmware-host.js";

/** The board's Serial1 as the firmware host sees it. */
export interface RadioLink {
  send(bytes: Uint8Array): void;
  onReceive(fn: (bytes: Uint8Array) => void): void;
}

export interface VirtualBoardOptions {
  /** Folder for the pty links (`<name>-usb-host`, `<name>-radio-host`). */
  dir: string;
  name?: string;
  /** Board type, our name or process.env.BOARD (default "pico"). */
  board?: string;
  /** Serial number the board reports. */
  serial?: string;
  /** false: the port opens but nothing ever answers (dead or wrong device). */
  answers?: boolean;
  /** Upload bytes after `reset()` at which the (first) upload is cut. */
  cutUploadAfterBytes?: number;
  /** "unplug": the USB link disappears (default); "hang": the board stops reading. */
  cutMode?: "unplug" | "hang";
  /** RAM program capacity in bytes (default: the profile's). */
  programBytes?: number;
  /** Storage (flash files) capacity in bytes (default: the board's). */
  storageBytes?: number;
  /** Runs saved programs; given the board's radio link. */
  firmwareHost: (radio: RadioLink) => FirmwareHost;
  /** A shared radio channel (shared-radio.ts); default: a pty of the board's own. */
  radio?: RadioLink & { close(): void };
}

export type BoardState = "stopped" | "running" | "unplugged" | "hung";

export class VirtualBoard {
  readonly profile: BoardProfile;
  private usb: PtyPair | undefined;
  private radio: PtyPair | undefined;
  private usbPort: SerialPort | undefined;
  private radioPort: SerialPort | undefined;
  private repl: BoardRepl | undefined;
  private radioListeners: Array<(bytes: Uint8Array) => void> = [];
  private uploadBytes: number | undefined;
  private cutDone = false;
  /** The unplug a cut upload started, until its pty is closed. */
  private unplugging: Promise<void> | undefined;
  state: BoardState = "stopped";
  /** Bytes the board has sent on its radio (Serial1). */
  radioBytesOut = 0;

  constructor(private readonly opts: VirtualBoardOptions) {
    const profile = findBoardProfile(opts.board ?? "pico");
    if (!profile) throw new Error(`virtual board: unknown board type '${opts.board}'`);
    this.profile = profile;
  }

  private get name(): string {
    return this.opts.name ?? "board";
  }

  /** Path the flasher opens (the board's USB serial). */
  get consolePath(): string {
    if (!this.usb) throw new Error("virtual board not started");
    return this.usb.hostPath;
  }

  /** Path the gateway's serial receiver opens (the board's own radio). */
  get radioPath(): string {
    if (!this.radio) throw new Error("virtual board has no radio pty of its own");
    return this.radio.hostPath;
  }

  async start(): Promise<void> {
    let radioLink: RadioLink;
    const shared = this.opts.radio;
    if (shared) {
      radioLink = {
        send: (bytes) => {
          this.radioBytesOut += bytes.length;
          shared.send(bytes);
        },
        onReceive: (fn) => shared.onReceive(fn),
      };
    } else {
      this.radio = await createPtyPair(this.opts.dir, `${this.name}-radio`);
      this.radioPort = await openPort(this.radio.devicePath);
      this.radioPort.on("data", (d: Buffer) => {
        const bytes = new Uint8Array(d);
        for (const fn of this.radioListeners) fn(bytes);
      });
      radioLink = {
        send: (bytes) => {
          this.radioBytesOut += bytes.length;
          this.radioPort?.write(Buffer.from(bytes));
        },
        onReceive: (fn) => {
          this.radioListeners.push(fn);
        },
      };
    }
    this.repl = new BoardRepl({
      profile: this.profile,
      serial: this.opts.serial ?? "33ffd7054e5734382951",
      host: this.opts.firmwareHost(radioLink),
      ...(this.opts.programBytes !== undefined ? { programBytes: this.opts.programBytes } : {}),
      ...(this.opts.storageBytes !== undefined ? { storageBytes: this.opts.storageBytes } : {}),
      output: (text) => this.usbPort?.write(Buffer.from(text, "latin1")),
    });
    await this.plugIn();
  }

  /** Connects USB (again): a new console pty at the same path, the saved program boots. */
  async plugIn(): Promise<void> {
    // A cable pulled by a cut upload may still be closing its pty: let it finish first, or
    // its close would take down the new connection.
    await this.unplugging;
    this.usb = await createPtyPair(this.opts.dir, `${this.name}-usb`);
    this.usbPort = await openPort(this.usb.devicePath);
    this.usbPort.on("data", (d: Buffer) => this.onUsbData(d.toString("latin1")));
    this.state = "running";
    this.uploadBytes = undefined;
    this.repl?.powerOn();
  }

  /** Pulls the USB cable: the console pty disappears and the board loses power. */
  async unplug(): Promise<void> {
    this.repl?.powerOff();
    this.state = "unplugged";
    const port = this.usbPort;
    const usb = this.usb;
    this.usbPort = undefined;
    this.usb = undefined;
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
    await usb?.close();
  }

  savedProgram(): string | undefined {
    return this.repl?.savedProgram();
  }

  /** The board's Storage files (its flash). */
  storageFiles(): ReadonlyMap<string, string> {
    return this.repl?.storage ?? new Map();
  }

  isProgramRunning(): boolean {
    return this.repl?.isRunning() ?? false;
  }

  async stop(): Promise<void> {
    this.repl?.powerOff();
    for (const port of [this.usbPort, this.radioPort]) {
      if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
    }
    this.usbPort = undefined;
    this.radioPort = undefined;
    await this.usb?.close();
    await this.radio?.close();
    this.opts.radio?.close();
    this.usb = undefined;
    this.radio = undefined;
    this.state = "stopped";
  }

  private onUsbData(chunk: string): void {
    if (this.state !== "running" || this.opts.answers === false) return;
    let text = chunk;
    const cutAt = this.opts.cutUploadAfterBytes;
    if (cutAt !== undefined && !this.cutDone) {
      if (this.uploadBytes === undefined) {
        const i = text.indexOf("reset();");
        if (i >= 0) this.uploadBytes = -i;
      }
      if (this.uploadBytes !== undefined) {
        this.uploadBytes += text.length;
        if (this.uploadBytes >= cutAt) {
          text = text.slice(0, text.length - (this.uploadBytes - cutAt));
          this.cutDone = true;
          this.repl?.receive(text);
          this.cut();
          return;
        }
      }
    }
    this.repl?.receive(text);
  }

  private cut(): void {
    if (this.opts.cutMode === "hang") {
      this.state = "hung";
      return;
    }
    this.unplugging = this.unplug();
  }
}

function openPort(path: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
    port.open((err) => (err ? reject(err) : resolve(port)));
  });
}
