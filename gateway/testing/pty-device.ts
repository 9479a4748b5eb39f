/**
 * The device end of a socat pseudo-terminal for integration tests: writes
 * framed bytes as a radio dongle would deliver them, and decodes what the
 * gateway sends back (acks, commands), checking each MAC with the device key.
 */
import { autoDetect } from "@serialport/bindings-cpp";
import { SerialPortStream } from "@serialport/stream";
import { decodeFrame, verifyFrame } from "../../protocol/codec.js";
import { Deframer } from "../../protocol/framing.js";
import type { Frame } from "../../protocol/messages.js";
import { nodeHmac } from "../registry/keys.js";

export interface ReceivedDownlink {
  frame: Frame;
  macOk: boolean;
}

export class PtyDevice {
  readonly received: ReceivedDownlink[] = [];
  private readonly port: SerialPortStream;

  private constructor(
    path: string,
    private readonly keys: Map<number, Uint8Array>,
  ) {
    this.port = new SerialPortStream({
      binding: autoDetect(),
      path,
      baudRate: 115200,
      autoOpen: false,
    });
    const deframer = new Deframer((bytes) => {
      const d = decodeFrame(bytes);
      if (!d.ok) return;
      const key = this.keys.get(d.frame.deviceId);
      this.received.push({
        frame: d.frame,
        macOk: key ? verifyFrame(bytes, key, nodeHmac) : false,
      });
    });
    this.port.on("data", (chunk: Buffer) => deframer.push(chunk));
    this.port.on("error", () => {});
  }

  static async open(path: string, keys: Map<number, Uint8Array>): Promise<PtyDevice> {
    const d = new PtyDevice(path, keys);
    await new Promise<void>((resolve, reject) => d.port.open((e) => (e ? reject(e) : resolve())));
    return d;
  }

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.port.write(Buffer.from(bytes), (e) => (e ? reject(e) : resolve()));
    });
  }

  acksFor(deviceId: number): number[] {
    return this.received
      .filter((r) => r.macOk && r.frame.deviceId === deviceId && r.frame.msg.type === "ack")
      .map((r) => (r.frame.msg as { ackedCounter: number }).ackedCounter);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.port.isOpen) return resolve();
      this.port.close(() => resolve());
    });
  }
}
