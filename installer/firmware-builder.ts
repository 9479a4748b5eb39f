/**
 * The firmware build (firmware/build/build.ts, `haitang build-firmware`) as
 * the installer calls it: in process, the device config as a value (the key
 * never touches a file), and the app entry of installer/image-entries so the
 * image publishes its identity for the read-back.
 */
import { join } from "node:path";
import type { Board } from "../firmware/build/boards.js";
import { buildFirmware, FirmwareBuildError } from "../firmware/build/build.js";
import type { BuildImage } from "./flash.js";

export function firmwareBuilder(
  opts: {
    version?: string;
    /** The board record to build for instead of the named one (tests: a board with fewer JsVars). */
    boardFor?: (name: string) => Board;
  } = {},
): BuildImage {
  return async ({ kind, board, device }) => {
    try {
      const r = await buildFirmware({
        kind,
        board: opts.boardFor ? opts.boardFor(board) : board,
        device,
        deviceSource: "device settings",
        // The app plus its identity on E, for the read-back (image-entries/).
        entry: join("installer", "image-entries", `${kind}.js`),
        ...(opts.version !== undefined ? { version: opts.version } : {}),
      });
      return { code: r.code, sha256: r.sha256, size: r.bytes, version: r.version };
    } catch (err) {
      if (err instanceof FirmwareBuildError && err.failure === "size") {
        throw new Error(`image exceeds the board budget: ${err.problems.join("; ")}`);
      }
      throw err;
    }
  };
}
