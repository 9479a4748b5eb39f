/**
 * Built firmware images for virtual devices, from firmware/build. A build
 * takes a second or two, so images are built once per (kind, board, settings)
 * with a placeholder identity, and each device's id and key are put in place
 * of the placeholder's literals. The minifier inlines the id as a bare number
 * and the key as a string, each once; when that is not so (or the id would
 * print in exponent form), the device gets a build of its own. The result is
 * the program buildFirmware gives for the device, token for token and of the
 * same length, except that the minifier may have picked other short names
 * (it ranks them by character frequency, and the key's characters count):
 * firmware-source.test.ts checks both.
 */

import { buildFirmware } from "../../firmware/build/build.js";
import {
  PLACEHOLDER_ID,
  PLACEHOLDER_KEY,
  swapIdentity,
} from "../../firmware/build/identity-swap.js";
import type { DeviceConfig } from "../../firmware/device-config.js";

export { PLACEHOLDER_ID, PLACEHOLDER_KEY, swapIdentity };

export class ImageCache {
  readonly builds = new Map<string, Promise<string>>();
  buildCount = 0;
  /** Devices that needed a build of their own (the placeholder could not be swapped). */
  ownBuilds = 0;

  async imageFor(config: DeviceConfig, board: string): Promise<string> {
    const generic = { ...config, deviceId: PLACEHOLDER_ID, key: PLACEHOLDER_KEY };
    const cacheKey = `${board}:${JSON.stringify(generic)}`;
    // Terser prints round numbers in exponent form (123e3): such ids get their own build.
    if (/000$/.test(String(config.deviceId))) return this.ownBuild(config, board);
    let p = this.builds.get(cacheKey);
    if (!p) {
      p = this.build(generic, board);
      this.builds.set(cacheKey, p);
    }
    const code = await p;
    const swapped = swapIdentity(code, config.deviceId, config.key);
    return swapped ?? this.ownBuild(config, board);
  }

  private ownBuild(config: DeviceConfig, board: string): Promise<string> {
    this.ownBuilds++;
    return this.build(config, board);
  }

  private async build(config: DeviceConfig, board: string): Promise<string> {
    this.buildCount++;
    const r = await buildFirmware({ kind: config.kind, board, device: config });
    return r.code;
  }
}
