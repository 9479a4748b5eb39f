/**
 * One serial receiver (a radio dongle or an RS-485 adapter): opens the port
 * through a serialport binding (bindings-cpp in production, MockBinding in
 * unit tests, a socat pseudo-terminal in integration tests), deframes what it
 * reads and hands each frame to the pipeline. When the USB device disappears
 * it closes, and reopens with a jittered exponential back-off until the
 * device is back. It is also the downlink link to the devices it hears.
 */
import { SerialPortStream } from "@serialport/stream";
import type { Logger } from "../../common/log.js";
import { concatBytes } from "../../protocol/bytes.js";
import { Deframer, frameBytes } from "../../protocol/framing.js";
import { wakePreambleDirective } from "../../protocol/receiver-directive.js";
import type { ReceiverReading } from "../../protocol/uplink.js";
import type { Link } from "../downlink/link.js";
import type { Scheduler } from "../outbox/group-committer.js";
import { realScheduler } from "../outbox/group-committer.js";

/** A serialport binding: bindings-cpp autoDetect() in production, MockBinding in unit tests. */
export type SerialBinding = ConstructorParameters<typeof SerialPortStream>[0]["binding"];

export interface SerialReceiverOptions {
  /** Receiver name from the site config; the link id is `serial:<name>`. */
  name: string;
  path: string;
  baudRate: number;
  binding: SerialBinding;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  scheduler?: Scheduler;
  random?: () => number;
}

export interface SerialReceiverStats {
  opens: number;
  openFailures: number;
  disconnects: number;
  bytesIn: number;
  bytesOut: number;
}

export type FrameSink = (frame: Uint8Array, reading: ReceiverReading) => void;

export class SerialReceiver implements Link {
  readonly id: string;
  readonly stats: SerialReceiverStats = {
    opens: 0,
    openFailures: 0,
    disconnects: 0,
    bytesIn: 0,
    bytesOut: 0,
  };
  readonly deframer: Deframer;
  private readonly opts: SerialReceiverOptions;
  private readonly log: Logger;
  private readonly onChunk: (() => void) | undefined;
  private port: SerialPortStream | undefined;
  private open = false;
  private running = false;
  private backoffMs: number;
  private retryTimer: unknown;

  constructor(opts: SerialReceiverOptions, sink: FrameSink, log: Logger, onChunk?: () => void) {
    this.opts = opts;
    this.id = `serial:${opts.name}`;
    this.log = log;
    this.onChunk = onChunk;
    this.backoffMs = opts.minBackoffMs ?? 250;
    const reading: ReceiverReading = { receiver: this.id };
    this.deframer = new Deframer((f) => sink(f, reading));
  }

  start(): void {
    this.running = true;
    this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    const sched = this.opts.scheduler ?? realScheduler;
    if (this.retryTimer !== undefined) sched.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const p = this.port;
    this.port = undefined;
    this.open = false;
    if (p?.isOpen) await new Promise<void>((resolve) => p.close(() => resolve()));
    p?.removeAllListeners();
    p?.on("error", () => {});
  }

  isUp(): boolean {
    return this.open;
  }

  /** With `preambleMs`, the receiver's wake-up preamble directive goes first, in the same write. */
  send(deviceId: number, framed: Uint8Array, preambleMs?: number): boolean {
    const p = this.port;
    if (!p || !this.open) return false;
    const bytes =
      preambleMs && preambleMs > 0
        ? concatBytes(frameBytes(wakePreambleDirective(deviceId, preambleMs)), framed)
        : framed;
    p.write(Buffer.from(bytes));
    this.stats.bytesOut += bytes.length;
    return true;
  }

  private connect(): void {
    if (!this.running) return;
    const port = new SerialPortStream({
      binding: this.opts.binding,
      path: this.opts.path,
      baudRate: this.opts.baudRate,
      autoOpen: false,
    });
    this.port = port;
    port.on("data", (chunk: Buffer) => {
      this.stats.bytesIn += chunk.length;
      this.deframer.push(chunk);
      this.onChunk?.();
    });
    port.on("error", (err: Error) => {
      this.log.warn("serial error", {
        receiver: this.id,
        path: this.opts.path,
        error: err.message,
      });
    });
    port.on("close", () => {
      if (this.port !== port) return;
      const wasOpen = this.open;
      this.open = false;
      if (wasOpen) {
        this.stats.disconnects++;
        this.log.warn("serial receiver disconnected", { receiver: this.id, path: this.opts.path });
      }
      this.scheduleRetry();
    });
    port.open((err) => {
      if (this.port !== port) return;
      if (err) {
        this.stats.openFailures++;
        if (this.stats.openFailures === 1 || this.stats.openFailures % 20 === 0)
          this.log.warn("serial receiver cannot open", {
            receiver: this.id,
            path: this.opts.path,
            error: err.message,
            failures: this.stats.openFailures,
          });
        this.scheduleRetry();
        return;
      }
      this.open = true;
      this.stats.opens++;
      this.backoffMs = this.opts.minBackoffMs ?? 250;
      this.log.info("serial receiver open", {
        receiver: this.id,
        path: this.opts.path,
        baudRate: this.opts.baudRate,
      });
    });
  }

  private scheduleRetry(): void {
    if (!this.running || this.retryTimer !== undefined) return;
    const sched = this.opts.scheduler ?? realScheduler;
    const jitter = 0.5 + (this.opts.random ?? Math.random)();
    const delay = Math.round(this.backoffMs * jitter);
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.maxBackoffMs ?? 5_000);
    const old = this.port;
    this.port = undefined;
    old?.removeAllListeners();
    old?.on("error", () => {});
    this.retryTimer = sched.setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, delay);
  }
}
