/**
 * One virtual device: the built firmware image running in a firmware runtime
 * (the sandbox), its physical model driving the input pins, and its Serial1
 * wired to a link. Virtual time is the scenario's; the firmware's own clock
 * starts at each power-on.
 */
import type { DeviceConfig } from "../../firmware/device-config.js";
import { BOOT_CODE_FILE } from "../../firmware/sandbox/sandbox.js";
import { BOOT_LOADER, IMAGE_FILE } from "../../installer/storage-install.js";
import { Deframer, frameBytes } from "../../protocol/framing.js";
import type { Trace } from "../report/trace.js";
import { describeFrame } from "./describe-frame.js";
import type { FirmwareRuntime, FirmwareRuntimeFactory } from "./firmware-runtime.js";
import type { DeviceModel, PinSink } from "./pins.js";

export type TransmitHandler = (
  dev: VirtualDevice,
  framed: Uint8Array,
  frame: Uint8Array,
  atMs: number,
) => void;

/** The meter role of each multiplexer channel (4 select lines: 16 channels). */
const MUX_ROLES = Array.from({ length: 16 }, (_, i) => `power${i}`);

export class VirtualDevice {
  readonly name: string;
  readonly config: DeviceConfig;
  /** The board the image was built for (its pins and globals in the runtime). */
  readonly board: string;
  readonly model: DeviceModel;
  /** "radio", "wifi" or a bus id. */
  readonly link: string;
  runtime: FirmwareRuntime | undefined;
  /** Virtual ms at which the current runtime's clock started (its power-on). */
  private bootAtMs = 0;
  /** Storage files the device has before its first power-on (e.g. its age). */
  storagePreload: Record<string, string> | undefined;
  /**
   * With `flashBoot`: the board's flash, kept across power cuts; the image is a
   * Storage file run by the boot loader, as `haitang flash` leaves a board, so
   * a firmware update can switch images and roll back.
   */
  private readonly flash: Map<string, string> | undefined;
  private readonly code: string;
  private readonly factory: FirmwareRuntimeFactory;
  private readonly trace: Trace;
  private readonly onTransmit: TransmitHandler;
  private readonly roleOfPin = new Map<string, string>();
  /** The multiplexer's select bit per select pin (muxS0..muxS3), made once: the firmware writes them on every sample. */
  private readonly muxBitOfPin = new Map<string, number>();
  private readonly pins: PinSink;
  private readonly deframer: Deframer;
  private readonly seed: number;
  /** Virtual "now" while the runtime runs (for callbacks). */
  private cursorMs = 0;
  /** Last digital level written per pin, to avoid re-triggering watches. */
  private readonly digitalLevels = new Map<string, boolean>();
  /** Last analog level given per role (a new runtime starts from 0 on every pin). */
  private readonly analogLevels = new Map<string, number>();
  /** An output changed what an instant input reads (DeviceModel.instantInputs): drive again once the firmware returns. */
  private redrive = false;

  constructor(opts: {
    name: string;
    config: DeviceConfig;
    board?: string;
    model: DeviceModel;
    link: string;
    code: string;
    factory: FirmwareRuntimeFactory;
    trace: Trace;
    seed: number;
    onTransmit: TransmitHandler;
    flashBoot?: boolean;
  }) {
    this.name = opts.name;
    this.config = opts.config;
    this.board = opts.board ?? "PICO";
    this.model = opts.model;
    this.link = opts.link;
    this.code = opts.code;
    this.factory = opts.factory;
    this.trace = opts.trace;
    this.seed = opts.seed;
    this.onTransmit = opts.onTransmit;
    this.flash = opts.flashBoot
      ? new Map([
          [IMAGE_FILE, opts.code],
          [BOOT_CODE_FILE, BOOT_LOADER],
        ])
      : undefined;
    for (const [role, pin] of Object.entries(opts.config.pins)) {
      this.roleOfPin.set(pin, role);
      const sel = /^muxS(\d)$/.exec(role);
      if (sel) this.muxBitOfPin.set(pin, 1 << Number(sel[1]));
    }
    const muxPin = opts.config.pins.mux;
    this.mux = muxPin ? { pin: muxPin, selected: 0 } : undefined;
    const pinOf = (role: string) => opts.config.pins[role];
    this.pins = {
      analog: (role, v) => {
        // Most inputs hold still between samples (an idle port, the shed's temperature).
        if (this.analogLevels.get(role) === v || !this.runtime) return;
        this.analogLevels.set(role, v);
        const pin = pinOf(role);
        if (pin) this.runtime.setAnalog(pin, v);
        else if (this.mux && role === MUX_ROLES[this.mux.selected]) this.muxToPin();
      },
      digital: (role, high) => {
        const pin = pinOf(role);
        if (!pin || !this.runtime) return;
        if (this.digitalLevels.get(pin) === high) return;
        this.digitalLevels.set(pin, high);
        this.runtime.setDigital(pin, high);
      },
    };
    this.deframer = new Deframer((frame) => {
      const framed = frameBytes(frame);
      this.trace.add({
        t: this.cursorMs,
        src: "device",
        event: "uplink",
        device: this.name,
        ...describeFrame(frame),
      });
      this.onTransmit(this, framed, frame, this.cursorMs);
    });
  }

  get deviceId(): number {
    return this.config.deviceId;
  }

  get poweredOn(): boolean {
    return this.runtime !== undefined;
  }

  powerOn(atMs: number, initial: { role: string; high: boolean }[] = []): void {
    if (this.runtime) return;
    this.bootAtMs = atMs;
    this.cursorMs = atMs;
    this.digitalLevels.clear();
    this.analogLevels.clear();
    if (this.mux) this.mux.selected = 0;
    if (this.flash && this.storagePreload) {
      for (const [k, v] of Object.entries(this.storagePreload))
        if (!this.flash.has(k)) this.flash.set(k, v);
    }
    this.runtime = this.factory(
      this.flash ? "/* flashed */" : this.code,
      {
        onSerialOut: (bytes) => this.deframer.push(bytes),
        onPinWrite: (pin, high) => this.pinWritten(pin, high),
        onConsole: (line) =>
          this.trace.add({
            t: this.cursorMs,
            src: "device",
            event: "console",
            device: this.name,
            line,
          }),
      },
      this.flash
        ? {
            board: this.board,
            seed: this.seed,
            name: this.name,
            config: this.config,
            flash: this.flash,
            bootFromStorage: true,
          }
        : this.storagePreload
          ? {
              board: this.board,
              seed: this.seed,
              name: this.name,
              config: this.config,
              storage: this.storagePreload,
            }
          : { board: this.board, seed: this.seed, name: this.name, config: this.config },
    );
    for (const i of initial) this.pins.digital(i.role, i.high);
    this.model.drive(atMs, this.pins);
    this.trace.add({ t: atMs, src: "device", event: "power-on", device: this.name });
    this.redrive = false;
    this.runtime.start();
    if (this.redrive) this.driveAgain();
  }

  powerOff(atMs: number): void {
    if (!this.runtime) return;
    this.runtime.halt();
    this.runtime = undefined;
    this.trace.add({ t: atMs, src: "device", event: "power-off", device: this.name });
  }

  reboot(atMs: number): void {
    if (!this.runtime) return;
    this.advanceTo(atMs);
    this.digitalLevels.clear();
    this.runtime.reboot();
    if (this.redrive) this.driveAgain();
    this.trace.add({ t: atMs, src: "device", event: "reboot", device: this.name });
  }

  /**
   * A port-meter multiplexer (firmware/build/pin-plan.ts): the "mux" pin reads
   * the meter of the channel its select lines name.
   */
  private readonly mux: { pin: string; selected: number } | undefined;

  private muxToPin(): void {
    if (!this.mux || !this.runtime) return;
    this.runtime.setAnalog(this.mux.pin, this.analogLevels.get(MUX_ROLES[this.mux.selected]!) ?? 0);
  }

  private pinWritten(pin: string, high: boolean): void {
    const bit = this.muxBitOfPin.get(pin);
    if (bit !== undefined && this.mux) {
      this.mux.selected = high ? this.mux.selected | bit : this.mux.selected & ~bit;
      this.muxToPin();
      return;
    }
    const role = this.roleOfPin.get(pin) ?? pin;
    const ev = this.model.onOutput(role, high, this.cursorMs);
    if (!ev) return;
    this.trace.add({ t: this.cursorMs, src: "device", device: this.name, ...ev });
    if (this.model.instantInputs) this.redrive = true;
  }

  /**
   * The model's state changed at `atMs` (a timeline action): instant inputs
   * show it now, and a watch on them runs now (the device must be advanced to it).
   */
  inputsChanged(atMs: number): void {
    if (!this.runtime || !this.model.instantInputs) return;
    this.cursorMs = atMs;
    this.redrive = true;
    this.driveAgain();
  }

  /** Drives the inputs again after the firmware changed an output they follow (never from inside its call). */
  private driveAgain(): void {
    // A cut the new levels cause changes an output again; the next drive finds nothing new.
    for (let i = 0; this.redrive && this.runtime && i < 4; i++) {
      this.redrive = false;
      this.model.drive(this.cursorMs, this.pins);
    }
    this.redrive = false;
  }

  /** Virtual ms of the next firmware timer, or undefined. */
  nextWakeMs(): number | undefined {
    const rt = this.runtime;
    if (!rt) return undefined;
    const n = rt.nextTimerMs();
    return n === undefined ? undefined : this.bootAtMs + n;
  }

  /** Runs the firmware up to virtual `atMs`, driving the pins before every timer. */
  advanceTo(atMs: number): void {
    const rt = this.runtime;
    if (!rt) return;
    const target = atMs - this.bootAtMs;
    for (let guard = 0; ; guard++) {
      const due = rt.nextTimerMs();
      // nextWakeMs() gave bootAtMs + due, from which atMs - bootAtMs can come back a rounding
      // error below a fractional due: that timer is due all the same (or the runner waits forever).
      if (due === undefined || due > target + 1e-6) break;
      if (guard > 1_000_000)
        throw new Error(`${this.name}: firmware timers make no progress at ${due} ms`);
      this.cursorMs = this.bootAtMs + Math.max(due, rt.nowMs());
      this.model.drive(this.cursorMs, this.pins);
      rt.advanceTo(due);
      if (this.runtime !== rt) return;
      if (this.redrive) this.driveAgain();
    }
    this.cursorMs = atMs;
    if (target > rt.nowMs()) {
      this.model.drive(atMs, this.pins);
      rt.advanceTo(target);
      if (this.redrive) this.driveAgain();
    }
  }

  /** Sets an input pin by role at the current instant (the device must be advanced to it). */
  setInput(role: string, high: boolean, atMs: number): void {
    this.cursorMs = atMs;
    this.pins.digital(role, high);
  }

  /** Bytes arriving on the device's Serial1 at virtual `atMs`. */
  receive(bytes: Uint8Array, atMs: number): void {
    if (!this.runtime) return;
    this.advanceTo(atMs);
    this.cursorMs = atMs;
    this.runtime.serialIn(bytes);
    if (this.redrive) this.driveAgain();
  }
}
