/**
 * HMAC-SHA256 (RFC 2104, FIPS 180-4) for the per-frame path: each key's
 * inner and outer SHA-256 states after its padded key block are computed once
 * and kept beside the key (a WeakMap, so a rekeyed device's states go with
 * its old key; the states of many keys share one buffer, int32-slab.ts), so a frame of up to 55 signed bytes costs three compressions
 * and nothing is allocated per frame. node:crypto's createHmac costs about
 * twice as much per frame here, most of it building a native object per call
 * (bench/gateway-ingest.ts). Checked against node:crypto in
 * midstate-hmac.test.ts.
 */
import { MAC_LENGTH, MIN_FRAME_LENGTH } from "../../protocol/constants.js";
import { Int32Slab } from "./int32-slab.js";
import { nodeHmac } from "./keys.js";

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);
const BLOCK = 64;

const W = new Int32Array(64);
/** Scratch: the last block(s) of the inner message, then the outer block. */
const tail = new Uint8Array(2 * BLOCK);
const H = new Int32Array(8);

/** One SHA-256 compression of the 64 bytes of `b` at `off` into state `h`. */
function compress(h: Int32Array, b: Uint8Array, off: number): void {
  const w = W;
  for (let i = 0; i < 16; i++) {
    const j = off + i * 4;
    w[i] = (b[j]! << 24) | (b[j + 1]! << 16) | (b[j + 2]! << 8) | b[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = h[0]!;
  let b1 = h[1]!;
  let c = h[2]!;
  let d = h[3]!;
  let e = h[4]!;
  let f = h[5]!;
  let g = h[6]!;
  let hh = h[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (hh + s1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b1) ^ (a & c) ^ (b1 & c))) | 0;
    hh = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b1;
    b1 = a;
    a = (t1 + t2) | 0;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b1) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
  h[5] = (h[5]! + f) | 0;
  h[6] = (h[6]! + g) | 0;
  h[7] = (h[7]! + hh) | 0;
}

/** Inner state (0..7) and outer state (8..15) of a key, after its padded key block. */
const midstates = new WeakMap<Uint8Array, Int32Array>();
const midstateSlab = new Int32Slab();

/** One SHA-256 state (8 values) of `from` at `fromOff` into `to` at `toOff`; no view per frame. */
function copyState(to: Int32Array, toOff: number, from: Int32Array, fromOff: number): void {
  for (let i = 0; i < 8; i++) to[toOff + i] = from[fromOff + i]!;
}

/** The state after the key block XOR `xor` (RFC 2104 ipad / opad), into `m` at `off`. */
function padState(key: Uint8Array, xor: number, m: Int32Array, off: number): void {
  H.set(IV);
  for (let i = 0; i < BLOCK; i++) tail[i] = (key[i] ?? 0) ^ xor;
  compress(H, tail, 0);
  copyState(m, off, H, 0);
}

function midstateOf(key: Uint8Array): Int32Array {
  let m = midstates.get(key);
  if (m) return m;
  m = midstateSlab.take(16);
  padState(key, 0x36, m, 0);
  padState(key, 0x5c, m, 8);
  midstates.set(key, m);
  return m;
}

/** HMAC-SHA256 of data[0..n) under `key` into the module state H. */
function hmacInto(key: Uint8Array, data: Uint8Array, n: number): void {
  const m = midstateOf(key);
  copyState(H, 0, m, 0);
  let off = 0;
  for (; n - off >= BLOCK; off += BLOCK) compress(H, data, off);
  const rem = n - off;
  tail.fill(0);
  for (let i = 0; i < rem; i++) tail[i] = data[off + i]!;
  tail[rem] = 0x80;
  const end = rem + 9 > BLOCK ? 2 * BLOCK : BLOCK;
  const bits = (BLOCK + n) * 8;
  tail[end - 4] = bits >>> 24;
  tail[end - 3] = (bits >>> 16) & 0xff;
  tail[end - 2] = (bits >>> 8) & 0xff;
  tail[end - 1] = bits & 0xff;
  compress(H, tail, 0);
  if (end > BLOCK) compress(H, tail, BLOCK);
  // outer: the inner digest, padded (64 + 32 bytes = 768 bits)
  tail.fill(0, 0, BLOCK);
  for (let i = 0; i < 8; i++) {
    const v = H[i]!;
    tail[i * 4] = v >>> 24;
    tail[i * 4 + 1] = (v >>> 16) & 0xff;
    tail[i * 4 + 2] = (v >>> 8) & 0xff;
    tail[i * 4 + 3] = v & 0xff;
  }
  tail[32] = 0x80;
  tail[62] = 0x03;
  tail[63] = 0x00;
  copyState(H, 0, m, 8);
  compress(H, tail, 0);
}

/** HMAC-SHA256 (an HmacFn for the protocol codec): 32 bytes. */
export function midstateHmac(key: Uint8Array, data: Uint8Array): Uint8Array {
  if (key.length > BLOCK) return nodeHmac(key, data);
  hmacInto(key, data, data.length);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const v = H[i]!;
    out[i * 4] = v >>> 24;
    out[i * 4 + 1] = (v >>> 16) & 0xff;
    out[i * 4 + 2] = (v >>> 8) & 0xff;
    out[i * 4 + 3] = v & 0xff;
  }
  return out;
}

/**
 * protocol's verifyFrame: the truncated HMAC of header and payload against
 * the frame's trailing MAC, compared in constant time; nothing allocated.
 */
export function midstateVerifyFrame(bytes: Uint8Array, key: Uint8Array): boolean {
  if (bytes.length < MIN_FRAME_LENGTH || key.length > BLOCK) {
    if (bytes.length < MIN_FRAME_LENGTH) return false;
    const signedLen = bytes.length - MAC_LENGTH;
    const mac = nodeHmac(key, bytes.subarray(0, signedLen));
    let diff = 0;
    for (let i = 0; i < MAC_LENGTH; i++) diff |= mac[i]! ^ bytes[signedLen + i]!;
    return diff === 0;
  }
  const signed = bytes.length - MAC_LENGTH;
  hmacInto(key, bytes, signed);
  let diff = 0;
  for (let i = 0; i < MAC_LENGTH; i++) {
    const v = H[i >> 2]!;
    const byte = (v >>> (24 - 8 * (i & 3))) & 0xff;
    diff |= byte ^ bytes[signed + i]!;
  }
  return diff === 0;
}
