/**
 * The seam between the virtual board's REPL and whatever runs the saved
 * program. The board's wiring plugs in the firmware sandbox (sandbox-host.ts);
 * unit tests plug in a plain JavaScript context.
 */
import type { StorageFiles } from "../../firmware/sandbox/storage.js";

export interface FirmwareRuntime {
  /**
   * Runs a statement or expression in the program's global scope and returns
   * its value; throws what the program throws. `print` goes to the REPL.
   */
  evaluate(source: string, print: (text: string) => void): unknown;
  /** Stops timers and I/O (reset(), power off, reload). */
  stop(): void;
}

export interface FirmwareHost {
  /** The board's flash (Storage files) when the host keeps them; the REPL shares it. */
  readonly storage?: StorageFiles;
  /**
   * Boots a saved program as the board does at power-on or `load()`: runs it
   * and then its `E.on("init")` handlers. `console` receives what the program
   * prints to the console (the USB REPL on a Pico).
   */
  boot(code: string, console: (text: string) => void): FirmwareRuntime;
}
