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
import {
  charMs,
  gatewayGapMs,
  type LineSense,
  lineClearAtMs,
  lineHeard,
  newLineSense,
} from "../../protocol/line-access.js";
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
  /** A half-duplex bus shared with the devices: wait for the line's silence before talking. */
  bus?: boolean;
  /** Clock and timers of the bus turn-taking (a simulator passes virtual ones). */
  clock?: () => number;
  lineScheduler?: Scheduler;
}

/** Frames waiting for the bus beyond this: the oldest is dropped (the downlink queue resends). */
const MAX_LINE_QUEUE = 64;

export interface SerialReceiverStats {
  opens: number;
  openFailures: number;
  disconnects: number;
  bytesIn: number;
  bytesOut: number;
  /** Frames that waited for the bus to fall silent before going out. */
  lineDeferred: number;
  /** Frames dropped because too many waited for the bus. */
  lineDropped: number;
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
    lineDeferred: 0,
    lineDropped: 0,
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
  private readonly sense: LineSense = newLineSense();
  private readonly lineQueue: Uint8Array[] = [];
  private lineTimer: unknown;
  private txEndMs = 0;

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
    this.clearLineTimer();
    this.lineQueue.length = 0;
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
    if (!this.opts.bus) {
      p.write(Buffer.from(bytes));
      this.stats.bytesOut += bytes.length;
      return true;
    }
    if (this.lineQueue.length >= MAX_LINE_QUEUE) {
      this.lineQueue.shift();
      this.stats.lineDropped++;
    }
    this.lineQueue.push(bytes);
    this.pumpLine();
    if (this.lineQueue.length > 0) this.stats.lineDeferred++;
    return true;
  }

  private now(): number {
    return (this.opts.clock ?? Date.now)();
  }

  /** Sends what waits once the bus has been silent for the gap; else waits for that instant. */
  private pumpLine(): void {
    if (this.lineQueue.length === 0) return;
    this.clearLineTimer();
    const baud = this.opts.baudRate;
    const now = this.now();
    const clearAt = Math.max(
      lineClearAtMs(this.sense, now, gatewayGapMs(baud), baud),
      this.txEndMs,
    );
    if (clearAt > now) {
      const sched = this.opts.lineScheduler ?? realScheduler;
      this.lineTimer = sched.setTimeout(
        () => {
          this.lineTimer = undefined;
          this.pumpLine();
        },
        Math.ceil(clearAt - now),
      );
      return;
    }
    const p = this.port;
    if (!p || !this.open) return;
    // Our own frames follow each other as one burst.
    const burst = Buffer.concat(this.lineQueue.splice(0));
    p.write(burst);
    this.stats.bytesOut += burst.length;
    this.txEndMs = now + burst.length * charMs(baud);
  }

  private clearLineTimer(): void {
    if (this.lineTimer === undefined) return;
    (this.opts.lineScheduler ?? realScheduler).clearTimeout(this.lineTimer);
    this.lineTimer = undefined;
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
      if (this.opts.bus) {
        lineHeard(this.sense, chunk, this.now(), this.opts.baudRate);
        if (this.lineQueue.length > 0) this.pumpLine();
      }
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
