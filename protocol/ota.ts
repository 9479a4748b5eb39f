/**
 * Firmware update manifest and the pure decisions around it (issue 14).
 *
 * Manifest, 44 bytes (the whole payload of a TYPE_OTA_BEGIN frame):
 *   [0] device kind  [1] board code  [2..4] version major.minor.patch
 *   [5..7] minimum version the device must already run  [8] flags (OTA_FLAG_FORCE)
 *   [9..11] image size in bytes, u24 big-endian  [12..43] SHA-256 of the image
 *
 * Authentication. A device holds one secret, its 128-bit key. The manifest
 * reaches it only inside a TYPE_OTA_BEGIN frame whose HMAC-SHA256 (under that
 * key, with the downlink counter window against replay) covers every manifest
 * byte, the force flag included; a second MAC under the same key would add
 * bytes and no security (whoever can make one can make the other). The image
 * is then bound to the manifest by its SHA-256, checked over the whole file
 * before the switch. Off the device, a package file carries a tag,
 * HMAC-SHA256(key, manifest || deviceId) truncated to OTA_TAG_LENGTH, made by
 * the operator's builder: the gateway refuses (and counts) a package whose tag
 * does not verify before it sends a byte of it.
 *
 * ES5-safe: the device bundles manifestProblem.
 */
import { readU32 } from "./bytes.js";
import {
  OTA_CHUNK_BYTES,
  OTA_FLAG_FORCE,
  OTA_MANIFEST_LENGTH,
  OTA_REASON_DOWNGRADE,
  OTA_REASON_MIN_VERSION,
  OTA_REASON_NONE,
  OTA_REASON_TOO_LARGE,
  OTA_REASON_WRONG_BOARD,
  OTA_REASON_WRONG_KIND,
} from "./constants.js";

/** Board codes on the wire (manifest byte 1). */
export const OTA_BOARD_CODES: { [name: string]: number } = {
  ORIGINAL: 1,
  PICO: 2,
  PUCKJS: 3,
  ESP8266: 4,
  WIFI: 5,
  ESP32: 6,
};

/** Bytes of the package tag (truncated HMAC-SHA256). */
export const OTA_TAG_LENGTH = 16;
/** Largest image a manifest can describe (u24 size, u16 chunk index). */
export const OTA_MAX_IMAGE_BYTES = 0xffff * OTA_CHUNK_BYTES;

export interface OtaManifest {
  deviceKind: number;
  boardCode: number;
  /** "major.minor.patch" */
  version: string;
  minVersion: string;
  force: boolean;
  size: number;
  /** 32 bytes. */
  sha256: Uint8Array;
}

function putVersion(out: Uint8Array, off: number, v: string): void {
  const p = v.split(".");
  for (let i = 0; i < 3; i++) out[off + i] = +(p[i] as string) & 0xff;
}

function getVersion(b: Uint8Array, off: number): string {
  return b[off] + "." + b[off + 1] + "." + b[off + 2];
}

export function encodeManifest(m: OtaManifest): Uint8Array {
  const out = new Uint8Array(OTA_MANIFEST_LENGTH);
  out[0] = m.deviceKind & 0xff;
  out[1] = m.boardCode & 0xff;
  putVersion(out, 2, m.version);
  putVersion(out, 5, m.minVersion);
  out[8] = m.force ? OTA_FLAG_FORCE : 0;
  out[9] = (m.size >> 16) & 0xff;
  out[10] = (m.size >> 8) & 0xff;
  out[11] = m.size & 0xff;
  out.set(m.sha256, 12);
  return out;
}

export function decodeManifest(b: Uint8Array): OtaManifest | undefined {
  if (b.length !== OTA_MANIFEST_LENGTH) return undefined;
  return {
    deviceKind: b[0] as number,
    boardCode: b[1] as number,
    version: getVersion(b, 2),
    minVersion: getVersion(b, 5),
    force: ((b[8] as number) & OTA_FLAG_FORCE) !== 0,
    size: manifestSize(b),
    sha256: b.slice(12, 44),
  };
}

/** Image size from manifest bytes. */
export function manifestSize(b: Uint8Array): number {
  return readU32(b, 8) & 0xffffff;
}

/** Version from manifest bytes as one comparable number (major << 16 | minor << 8 | patch). */
export function manifestVersion(b: Uint8Array, off: number): number {
  return ((b[off] as number) << 16) | ((b[off + 1] as number) << 8) | (b[off + 2] as number);
}

/** "1.2.3" as major << 16 | minor << 8 | patch. */
export function versionNumber(v: string): number {
  const p = v.split(".");
  return (
    ((+(p[0] as string) & 0xff) << 16) |
    ((+(p[1] as string) & 0xff) << 8) |
    (+(p[2] as string) & 0xff)
  );
}

export function chunkCount(size: number): number {
  return Math.ceil(size / OTA_CHUNK_BYTES);
}

/**
 * Why a device must refuse manifest bytes `b`, or OTA_REASON_NONE. The device
 * calls it with its own kind, board code and running version (as versionNumber);
 * `maxBytes` is the room it has for the new image.
 */
export function manifestProblem(
  b: Uint8Array,
  deviceKind: number,
  boardCode: number,
  running: number,
  maxBytes: number,
): number {
  if (b[0] !== deviceKind) return OTA_REASON_WRONG_KIND;
  if (b[1] !== boardCode) return OTA_REASON_WRONG_BOARD;
  const size = manifestSize(b);
  if (size === 0 || size > maxBytes) return OTA_REASON_TOO_LARGE;
  if (running < manifestVersion(b, 5)) return OTA_REASON_MIN_VERSION;
  const force = ((b[8] as number) & OTA_FLAG_FORCE) !== 0;
  if (!force && manifestVersion(b, 2) <= running) return OTA_REASON_DOWNGRADE;
  return OTA_REASON_NONE;
}
