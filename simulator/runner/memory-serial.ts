/**
 * Serial lines in memory, for scenarios with `transport: in-process`: a
 * serialport binding (the seam gateway/ingest/serial-receiver.ts takes) whose
 * ports are the gateway's ends of lines the simulator holds the other ends
 * of. The gateway opens and reads them through @serialport/stream exactly as
 * a USB dongle; only the operating system's pseudo-terminal is left out, so a
 * byte crosses in a few microtasks instead of a kernel round trip. The
 * default (`pty`) keeps real pseudo-terminals.
 */
import type { SerialPortStream } from "@serialport/stream";
import { Deframer } from "../../protocol/framing.js";

/** The binding types, as @serialport/stream takes them. */
type BindingInterface = ConstructorParameters<typeof SerialPortStream>[0]["binding"];
type BindingPortInterface = Awaited<ReturnType<BindingInterface["open"]>>;
type OpenOptions = Parameters<BindingInterface["open"]>[0];
type PortInfo = Awaited<ReturnType<BindingInterface["list"]>>[number];
type PortStatus = Awaited<ReturnType<BindingPortInterface["get"]>>;

function canceled(): Error {
  const e = new Error("port closed") as Error & { canceled: boolean };
  e.canceled = true;
  return e;
}

/** One line: the simulator writes frames towards the gateway and hears what it sends back. */
export class MemoryLine {
  /** Bytes the simulator has received from the gateway. */
  bytesRead = 0;
  bytesWritten = 0;
  private readonly inbox: Buffer[] = [];
  private reader: (() => void) | undefined;
  private readonly deframer: Deframer;
  port: MemoryPort | undefined;

  constructor(
    readonly path: string,
    onFrame: (frame: Uint8Array) => void,
  ) {
    this.deframer = new Deframer(onFrame);
  }

  /** Simulator side: bytes towards the gateway. */
  write(bytes: Uint8Array): void {
    this.bytesWritten += bytes.length;
    this.inbox.push(Buffer.from(bytes));
    const r = this.reader;
    this.reader = undefined;
    r?.();
  }

  /** Gateway side: the next chunk (waits until there is one, or the port closes). */
  async take(
    buffer: Buffer,
    offset: number,
    length: number,
    isOpen: () => boolean,
  ): Promise<number> {
    while (this.inbox.length === 0) {
      if (!isOpen()) throw canceled();
      await new Promise<void>((resolve) => {
        this.reader = resolve;
      });
    }
    if (!isOpen()) throw canceled();
    const head = this.inbox[0]!;
    const n = Math.min(length, head.length);
    head.copy(buffer, offset, 0, n);
    if (n === head.length) this.inbox.shift();
    else this.inbox[0] = head.subarray(n);
    return n;
  }

  /** Gateway side: bytes it wrote, straight to the simulator. */
  fromGateway(bytes: Uint8Array): void {
    this.bytesRead += bytes.length;
    this.deframer.push(new Uint8Array(bytes));
  }

  /** Wakes a waiting read (used on close). */
  wake(): void {
    const r = this.reader;
    this.reader = undefined;
    r?.();
  }
}

class MemoryPort implements BindingPortInterface {
  isOpen = true;
  constructor(
    readonly openOptions: Required<OpenOptions>,
    private readonly line: MemoryLine,
  ) {}

  async close(): Promise<void> {
    this.isOpen = false;
    if (this.line.port === this) this.line.port = undefined;
    this.line.wake();
  }

  async read(buffer: Buffer, offset: number, length: number) {
    const bytesRead = await this.line.take(buffer, offset, length, () => this.isOpen);
    return { buffer, bytesRead };
  }

  async write(buffer: Buffer): Promise<void> {
    if (!this.isOpen) throw canceled();
    this.line.fromGateway(buffer);
  }

  async update(): Promise<void> {}
  async set(): Promise<void> {}
  async get(): Promise<PortStatus> {
    return { cts: true, dsr: true, dcd: true };
  }
  async getBaudRate(): Promise<{ baudRate: number }> {
    return { baudRate: this.openOptions.baudRate };
  }
  async flush(): Promise<void> {}
  async drain(): Promise<void> {}
}

/** The lines of one run and the binding the gateway opens them with. */
export class MemorySerialLines {
  private readonly lines = new Map<string, MemoryLine>();

  add(path: string, onFrame: (frame: Uint8Array) => void): MemoryLine {
    const line = new MemoryLine(path, onFrame);
    this.lines.set(path, line);
    return line;
  }

  readonly binding: BindingInterface = {
    list: async (): Promise<PortInfo[]> =>
      [...this.lines.keys()].map((path) => ({
        path,
        manufacturer: "haitang-sim",
        serialNumber: undefined,
        pnpId: undefined,
        locationId: undefined,
        productId: undefined,
        vendorId: undefined,
      })),
    open: async (options: OpenOptions): Promise<BindingPortInterface> => {
      const line = this.lines.get(options.path);
      if (!line) throw new Error(`Error: No such file or directory, cannot open ${options.path}`);
      const full = {
        dataBits: 8,
        lock: true,
        stopBits: 1,
        parity: "none",
        rtscts: false,
        xon: false,
        xoff: false,
        xany: false,
        hupcl: true,
        ...options,
      } as Required<OpenOptions>;
      const port = new MemoryPort(full, line);
      line.port = port;
      return port;
    },
  };
}
