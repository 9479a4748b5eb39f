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
import type { DeviceConfig } from "../../firmware/device-config.js";

export const PLACEHOLDER_ID = 305419896; // 0x12345678
export const PLACEHOLDER_KEY = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

/** The id as a numeric token of its own (not part of a longer number or name). */
const ID_TOKEN = new RegExp(`(?<![\\w.$])${PLACEHOLDER_ID}(?![\\w.])`, "g");
const KEY_TOKEN = `"${PLACEHOLDER_KEY}"`;

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

/** The placeholder image with a device's id and key, or undefined when they are not each there once. */
export function swapIdentity(code: string, deviceId: number, keyHex: string): string | undefined {
  const ids = code.match(ID_TOKEN)?.length ?? 0;
  const keys = code.split(KEY_TOKEN).length - 1;
  if (ids !== 1 || keys !== 1) return undefined;
  return code.replace(ID_TOKEN, String(deviceId)).replace(KEY_TOKEN, `"${keyHex}"`);
}
