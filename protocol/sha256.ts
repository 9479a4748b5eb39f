/**
 * SHA-256 (FIPS 180-4) in plain ES5 on Uint8Array, for boards without a native
 * one (Espruino Original, ESP8266) and for the simulator. Boards with
 * `require("crypto").SHA256` pass that instead through {@link Sha256Fn}.
 */

export type Sha256Fn = (data: Uint8Array) => Uint8Array;

let K: Uint32Array | undefined;

function roundConstants(): Uint32Array {
  if (K) return K;
  // First 32 bits of the fractional parts of the cube roots of the first 64 primes (FIPS 180-4 4.2.2).
  const k = new Uint32Array(64);
  let n = 0;
  let candidate = 2;
  while (n < 64) {
    let prime = true;
    for (let d = 2; d * d <= candidate; d++) {
      if (candidate % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) {
      const root = candidate ** (1 / 3);
      k[n] = Math.floor((root - Math.floor(root)) * 4294967296) >>> 0;
      n++;
    }
    candidate++;
  }
  K = k;
  return k;
}

export function sha256(data: Uint8Array): Uint8Array {
  const k = roundConstants();
  const h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const len = data.length;
  const blocks = Math.ceil((len + 9) / 64);
  const padded = new Uint8Array(blocks * 64);
  padded.set(data, 0);
  padded[len] = 0x80;
  const bitLenHi = Math.floor(len / 0x20000000);
  const bitLenLo = (len * 8) >>> 0;
  const end = padded.length;
  padded[end - 8] = (bitLenHi >>> 24) & 0xff;
  padded[end - 7] = (bitLenHi >>> 16) & 0xff;
  padded[end - 6] = (bitLenHi >>> 8) & 0xff;
  padded[end - 5] = bitLenHi & 0xff;
  padded[end - 4] = (bitLenLo >>> 24) & 0xff;
  padded[end - 3] = (bitLenLo >>> 16) & 0xff;
  padded[end - 2] = (bitLenLo >>> 8) & 0xff;
  padded[end - 1] = bitLenLo & 0xff;

  const w = new Uint32Array(64);
  for (let b = 0; b < blocks; b++) {
    const base = b * 64;
    for (let i = 0; i < 16; i++) {
      const o = base + i * 4;
      w[i] =
        (((padded[o] as number) << 24) |
          ((padded[o + 1] as number) << 16) |
          ((padded[o + 2] as number) << 8) |
          (padded[o + 3] as number)) >>>
        0;
    }
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15] as number;
      const y = w[i - 2] as number;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = ((w[i - 16] as number) + s0 + (w[i - 7] as number) + s1) >>> 0;
    }
    let a = h[0] as number;
    let bb = h[1] as number;
    let c = h[2] as number;
    let d = h[3] as number;
    let e = h[4] as number;
    let f = h[5] as number;
    let g = h[6] as number;
    let hh = h[7] as number;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + (k[i] as number) + (w[i] as number)) >>> 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & bb) ^ (a & c) ^ (bb & c);
      const t2 = (S0 + maj) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = bb;
      bb = a;
      a = (t1 + t2) >>> 0;
    }
    h[0] = ((h[0] as number) + a) >>> 0;
    h[1] = ((h[1] as number) + bb) >>> 0;
    h[2] = ((h[2] as number) + c) >>> 0;
    h[3] = ((h[3] as number) + d) >>> 0;
    h[4] = ((h[4] as number) + e) >>> 0;
    h[5] = ((h[5] as number) + f) >>> 0;
    h[6] = ((h[6] as number) + g) >>> 0;
    h[7] = ((h[7] as number) + hh) >>> 0;
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const v = h[i] as number;
    out[i * 4] = (v >>> 24) & 0xff;
    out[i * 4 + 1] = (v >>> 16) & 0xff;
    out[i * 4 + 2] = (v >>> 8) & 0xff;
    out[i * 4 + 3] = v & 0xff;
  }
  return out;
}
