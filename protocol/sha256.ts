/**
 * SHA-256 (FIPS 180-4) in plain ES5 on Uint8Array, for boards without a native
 * one (Espruino Original, ESP8266) and for the simulator. Boards with
 * `require("crypto").SHA256` pass that instead through {@link Sha256Fn}.
 */

export type Sha256Fn = (data: Uint8Array) => Uint8Array;

let K: Uint32Array | undefined;
/** Initial hash value: first 32 bits of the fractional parts of the square roots of the first 8 primes. */
let H0: Uint32Array | undefined;

/** First 32 bits of the fractional part of x. */
function frac32(x: number): number {
  return Math.floor((x - Math.floor(x)) * 4294967296) >>> 0;
}

function roundConstants(): Uint32Array {
  if (K) return K;
  // First 32 bits of the fractional parts of the cube roots of the first 64 primes (FIPS 180-4 4.2.2),
  // and of the square roots of the first 8 (4.2.2, 5.3.3): computed, so no table of literals.
  const k = new Uint32Array(64);
  const h = new Uint32Array(8);
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
      if (n < 8) h[n] = frac32(Math.sqrt(candidate));
      k[n++] = frac32(candidate ** (1 / 3));
    }
    candidate++;
  }
  H0 = h;
  K = k;
  return k;
}

export function sha256(data: Uint8Array): Uint8Array {
  const k = roundConstants();
  const h = new Uint32Array(H0 as Uint32Array);
  const len = data.length;
  const blocks = Math.ceil((len + 9) / 64);
  const padded = new Uint8Array(blocks * 64);
  padded.set(data, 0);
  padded[len] = 0x80;
  // Message length in bits, big-endian in the last 8 bytes (the high word only above 512 MB).
  const bitLenHi = Math.floor(len / 0x20000000);
  const bitLenLo = (len * 8) >>> 0;
  const end = padded.length;
  for (let i = 0; i < 4; i++) {
    padded[end - 8 + i] = (bitLenHi >>> (24 - 8 * i)) & 0xff;
    padded[end - 4 + i] = (bitLenLo >>> (24 - 8 * i)) & 0xff;
  }

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
    const v = [a, bb, c, d, e, f, g, hh];
    for (let i = 0; i < 8; i++) h[i] = ((h[i] as number) + (v[i] as number)) >>> 0;
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = ((h[i >> 2] as number) >>> (24 - 8 * (i & 3))) & 0xff;
  return out;
}
