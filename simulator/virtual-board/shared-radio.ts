/**
 * One radio channel shared by many virtual boards: a single pty whose host
 * side a gateway receiver opens. Every board's Serial1 transmits into it;
 * what the gateway sends is heard by every board (each device keeps only
 * frames addressed to it and signed with its key, as on air).
 */
import { SerialPort } from "serialport";
import { createPtyPair, type PtyPair } from "../../common/services.js";
import type { RadioLink } from "./virtual-board.js";

export class SharedRadio {
  private pty: PtyPair | undefined;
  private port: SerialPort | undefined;
  private readonly listeners = new Set<(bytes: Uint8Array) => void>();
  bytesOut = 0;

  constructor(
    private readonly dir: string,
    private readonly name = "radio",
  ) {}

  /** Path the gateway's serial receiver opens. */
  get hostPath(): string {
    if (!this.pty) throw new Error("shared radio not started");
    return this.pty.hostPath;
  }

  async start(): Promise<void> {
    this.pty = await createPtyPair(this.dir, this.name);
    const port = new SerialPort({ path: this.pty.devicePath, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    port.on("data", (d: Buffer) => {
      const bytes = new Uint8Array(d);
      for (const fn of this.listeners) fn(bytes);
    });
    this.port = port;
  }

  /** A board's view of the channel; `close()` detaches it. */
  attach(): RadioLink & { close(): void } {
    const mine = new Set<(bytes: Uint8Array) => void>();
    return {
      send: (bytes) => {
        this.bytesOut += bytes.length;
        this.port?.write(Buffer.from(bytes));
      },
      onReceive: (fn) => {
        mine.add(fn);
        this.listeners.add(fn);
      },
      close: () => {
        for (const fn of mine) this.listeners.delete(fn);
        mine.clear();
      },
    };
  }

  async stop(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
    await this.pty?.close();
    this.pty = undefined;
    this.listeners.clear();
  }
}
