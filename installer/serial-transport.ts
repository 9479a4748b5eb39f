/**
 * Our serial transport for the Espruino toolchain, registered the way
 * core/serial.js documents ("add an object to Espruino.Core.Serial.devices").
 * It replaces the toolchain's own "Node Serial" transport, which
 * - lists only what serialport.list() finds, so it refuses pseudo-terminals
 *   and udev symlinks (ours lists exactly the ports the installer asked for);
 * - leaves serialport's "error" event unhandled, so a cable pulled mid-upload
 *   throws out of the process (ours reports it as a disconnect).
 * It uses the project's serialport 13.
 */
import { SerialPort } from "serialport";
import type { EspruinoGlobal, EspruinoSerialDevice } from "./espruino-globals.js";

/** Paths the installer asked for; the only ones this transport lists. */
export const requestedPorts = new Set<string>();

export function haitangSerialTransport(E: EspruinoGlobal): EspruinoSerialDevice {
  let port: SerialPort | undefined;
  return {
    name: "Haitang Serial",
    getPorts: (cb) =>
      cb(
        [...requestedPorts].map((path) => ({ path, description: "haitang flash" })),
        true,
      ),
    open: (path, opened, received, disconnected) => {
      const baudRate = Number(E.Config.BAUD_RATE) || 9600;
      const p = new SerialPort({ path, baudRate, autoOpen: false });
      let isOpen = false;
      p.on("data", (d: Buffer) => {
        const copy = new Uint8Array(d.length);
        copy.set(d);
        received(copy.buffer);
      });
      p.on("error", (err: Error) => {
        console.log(`haitang serial: ${path}: ${err.message}`);
        if (isOpen && !p.isOpen) {
          isOpen = false;
          disconnected();
        }
      });
      p.on("close", () => {
        if (!isOpen) return;
        isOpen = false;
        if (port === p) port = undefined;
        disconnected();
      });
      p.open((err) => {
        if (err) {
          console.log(`haitang serial: cannot open ${path}: ${err.message}`);
          opened(undefined);
          return;
        }
        isOpen = true;
        port = p;
        opened("Ok");
      });
    },
    write: (data, written) => {
      const p = port;
      if (!p?.isOpen) return; // the toolchain's queue stalls; the caller's disconnect wins
      p.write(Buffer.from(data, "latin1"), () => written());
    },
    close: () => {
      const p = port;
      if (p?.isOpen) p.close();
    },
  };
}
