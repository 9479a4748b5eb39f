/**
 * The operator's tag on an update package (see protocol/ota.ts for why the
 * device itself checks the frame MAC instead): HMAC-SHA256 under the device
 * key over manifest || deviceId (u32), truncated to OTA_TAG_LENGTH bytes.
 * Binding the device id means a package made for one device is refused for
 * another even if both had the same key.
 */
import { bytesEqual, writeU32 } from "./bytes.js";
import type { HmacFn } from "./hmac.js";
import { OTA_TAG_LENGTH } from "./ota.js";

export function packageTag(
  hmac: HmacFn,
  key: Uint8Array,
  manifest: Uint8Array,
  deviceId: number,
): Uint8Array {
  const data = new Uint8Array(manifest.length + 4);
  data.set(manifest, 0);
  writeU32(data, manifest.length, deviceId >>> 0);
  return hmac(key, data).slice(0, OTA_TAG_LENGTH);
}

export function packageTagMatches(
  hmac: HmacFn,
  key: Uint8Array,
  manifest: Uint8Array,
  deviceId: number,
  tag: Uint8Array,
): boolean {
  return (
    tag.length === OTA_TAG_LENGTH && bytesEqual(packageTag(hmac, key, manifest, deviceId), tag)
  );
}
