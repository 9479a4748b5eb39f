/**
 * HMAC-SHA256 (RFC 2104) built from any SHA-256, truncated to MAC_LENGTH bytes
 * (RFC 2104 section 5 allows truncation to no less than half the hash; 64 bits
 * is our floor for a 16-byte key and per-device counters).
 */

import { bytesEqual } from "./bytes.js";
import { MAC_LENGTH } from "./constants.js";
import { type Sha256Fn, sha256 } from "./sha256.js";

/** Computes the full 32-byte HMAC of `data` under `key`. */
export type HmacFn = (key: Uint8Array, data: Uint8Array) => Uint8Array;

const BLOCK = 64;

/**
 * The HMAC over `hash`. Its pad buffers are made once and reused for every
 * MAC (the inner one grows to the longest message seen): a device signs and
 * verifies every frame, and on Espruino each allocation costs JsVars.
 */
export function makeHmacSha256(hash: Sha256Fn): HmacFn {
  let inner = new Uint8Array(BLOCK + 64);
  const outer = new Uint8Array(BLOCK + 32);
  return function hmac(key: Uint8Array, data: Uint8Array): Uint8Array {
    let k = key;
    if (k.length > BLOCK) k = hash(k);
    if (inner.length < BLOCK + data.length) inner = new Uint8Array(BLOCK + data.length);
    for (let i = 0; i < BLOCK; i++) {
      const kb = i < k.length ? (k[i] as number) : 0;
      inner[i] = kb ^ 0x36;
      outer[i] = kb ^ 0x5c;
    }
    inner.set(data, BLOCK);
    outer.set(hash(inner.subarray(0, BLOCK + data.length)), BLOCK);
    return hash(outer);
  };
}

/** The plain-JavaScript HMAC, valid on every board. */
export const hmacSha256: HmacFn = makeHmacSha256(sha256);

export function computeMac(hmac: HmacFn, key: Uint8Array, data: Uint8Array): Uint8Array {
  const full = hmac(key, data);
  const out = new Uint8Array(MAC_LENGTH);
  for (let i = 0; i < MAC_LENGTH; i++) out[i] = full[i] as number;
  return out;
}

export function macMatches(
  hmac: HmacFn,
  key: Uint8Array,
  data: Uint8Array,
  mac: Uint8Array,
): boolean {
  return bytesEqual(computeMac(hmac, key, data), mac);
}
