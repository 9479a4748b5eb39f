/**
 * Built firmware images for virtual devices, from firmware/build. A build
 * takes a second or two, so images are built once per (kind, board, settings)
 * with a placeholder identity, and each device's id and key are put into the
 * configuration literal of that image: the result is byte for byte the image
 * buildFirmware gives for the device (firmware-source.test.ts checks it).
 */

import { buildFirmware } from "../../firmware/build/build.js";
import type { DeviceConfig } from "../../firmware/device-config.js";

const PLACEHOLDER_ID = 305419896; // 0x12345678
const PLACEHOLDER_KEY = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

export class ImageCache {
  readonly builds = new Map<string, Promise<string>>();
  buildCount = 0;

  async imageFor(config: DeviceConfig, board: string): Promise<string> {
    const generic = { ...config, deviceId: PLACEHOLDER_ID, key: PLACEHOLDER_KEY };
    const cacheKey = `${board}:${JSON.stringify(generic)}`;
    // Terser prints round numbers in exponent form; such ids get their own build.
    if (/000$/.test(String(config.deviceId))) return this.build(config, board);
    let p = this.builds.get(cacheKey);
    if (!p) {
      p = this.build(generic, board);
      this.builds.set(cacheKey, p);
    }
    const code = await p;
    const idLiteral = `deviceId:${PLACEHOLDER_ID}`;
    const keyLiteral = `"${PLACEHOLDER_KEY}"`;
    if (code.split(idLiteral).length !== 2 || code.split(keyLiteral).length !== 2) {
      return this.build(config, board); // the literal is not where we expect it: build for real
    }
    return code
      .replace(idLiteral, `deviceId:${config.deviceId}`)
      .replace(keyLiteral, `"${config.key}"`);
  }

  private async build(config: DeviceConfig, board: string): Promise<string> {
    this.buildCount++;
    const r = await buildFirmware({ kind: config.kind, board, device: config });
    return r.code;
  }
}
