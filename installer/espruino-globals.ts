/**
 * The parts of EspruinoTools' global `Espruino` object (espruino 0.1.67,
 * index.js → core/serial.js, core/utils.js, core/codeWriter.js, core/env.js)
 * that the installer calls. The package has no usable types; this is the
 * decode boundary, narrowed once here.
 */

/** A transport, as core/serial.js documents: getPorts, open, write, close. */
export interface EspruinoSerialDevice {
  name: string;
  getPorts(
    cb: (ports: Array<{ path: string; description?: string }>, instantPorts?: boolean) => void,
  ): void;
  open(
    path: string,
    opened: (info: string | undefined) => void,
    received: (data: ArrayBuffer) => void,
    disconnected: () => void,
  ): void;
  write(data: string, written: () => void): void;
  close(): void;
}

/**
 * The toolchain's one Connection object (core/serial.js `class Connection`):
 * its write queue, flow-control wait and delayed write loop. `cb` forwards
 * received text; `writeLowLevel` writes through the current transport.
 */
export interface EspruinoConnection {
  cb?: (data: string) => void;
  writeLowLevel?: (data: string) => Promise<void>;
}

export interface EspruinoGlobal {
  Config: Record<string, unknown>;
  Core: {
    Serial: {
      devices: EspruinoSerialDevice[];
      connection: EspruinoConnection;
      getPorts(cb: (ports: Array<{ path: string }>) => void): void;
      open(
        path: string,
        connected: (info: unknown) => void,
        disconnected: (info: unknown) => void,
      ): void;
      close(): void;
      isConnected(): boolean;
      startListening(fn: ((data: ArrayBuffer) => void) | undefined): unknown;
      write(data: string, showStatus?: boolean, callback?: () => void): void;
      setSlowWrite(on: boolean, force?: boolean): void;
      isSlowWrite(): boolean;
    };
    Utils: {
      parseRJSON(text: string): unknown;
    };
    CodeWriter: { writeToEspruino(code: string, cb: () => void): void };
    Env: { getData(): Record<string, unknown> };
    Status: {
      setStatus(msg: string, len?: number): void;
      hasProgress(): boolean;
      incrementProgress(amount: number): void;
    };
    Notifications: Record<string, (msg: string) => void>;
  };
}

export interface EspruinoModule {
  init(cb: () => void): void;
}

/** The global the toolchain creates in `init()`. */
export function espruinoGlobal(): EspruinoGlobal {
  const g = (globalThis as unknown as { Espruino?: EspruinoGlobal }).Espruino;
  if (!g?.Core?.Serial) throw new Error("the Espruino toolchain is not initialised");
  return g;
}
