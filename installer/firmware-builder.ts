/**
 * The firmware build (firmware/build/build.ts, `haitang build-firmware`) as
 * the installer calls it: in process, the device config as a value (the key
 * never touches a file), and the app entry of installer/image-entries so the
 * image publishes its identity for the read-back.
 */
import { join } from "node:path";
import { buildFirmware, FirmwareBuildError } from "../firmware/build/build.js";
import type { BuildImage } from "./flash.js";

export function firmwareBuilder(opts: { version?: string } = {}): BuildImage {
  return async ({ kind, board, device }) => {
    try {
      const r = await buildFirmware({
        kind,
        board,
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
