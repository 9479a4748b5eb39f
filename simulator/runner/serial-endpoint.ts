/**
 * The simulator's end of a serial link: the device side of a real
 * pseudo-terminal pair (socat), opened with serialport exactly as a radio
 * dongle's firmware would drive it. The gateway opens the host side.
 */
import { autoDetect } from "@serialport/bindings-cpp";
import { SerialPortStream } from "@serialport/stream";
import { Deframer } from "../../protocol/framing.js";

export class SerialEndpoint {
  readonly path: string;
  bytesWritten = 0;
  bytesRead = 0;
  private port: SerialPortStream | undefined;
  private readonly deframer: Deframer;

  /** `onFrame` gets every frame the gateway sends (unframed codec bytes). */
  constructor(path: string, onFrame: (frame: Uint8Array) => void) {
    this.path = path;
    this.deframer = new Deframer(onFrame);
  }

  async open(baudRate = 9600): Promise<void> {
    const port = new SerialPortStream({
      binding: autoDetect(),
      path: this.path,
      baudRate,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) =>
      port.open((err) => (err ? reject(err) : resolve())),
    );
    port.on("data", (chunk: Buffer) => {
      this.bytesRead += chunk.length;
      this.deframer.push(new Uint8Array(chunk));
    });
    port.on("error", () => {});
    this.port = port;
  }

  write(bytes: Uint8Array): void {
    if (!this.port) return;
    this.bytesWritten += bytes.length;
    this.port.write(Buffer.from(bytes));
  }

  /** Resolves when everything written has been handed to the OS. */
  drain(): Promise<void> {
    const p = this.port;
    if (!p) return Promise.resolve();
    return new Promise((resolve) => p.drain(() => resolve()));
  }

  async close(): Promise<void> {
    const p = this.port;
    this.port = undefined;
    if (!p?.isOpen) return;
    await new Promise<void>((resolve) => p.close(() => resolve()));
  }
}
