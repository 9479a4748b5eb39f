/** Big-endian helpers on Uint8Array. ES5-safe (no DataView needed on the board). */

export function writeU16(buf: Uint8Array, off: number, v: number): void {
  buf[off] = (v >>> 8) & 0xff;
  buf[off + 1] = v & 0xff;
}

export function writeU32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = (v >>> 24) & 0xff;
  buf[off + 1] = (v >>> 16) & 0xff;
  buf[off + 2] = (v >>> 8) & 0xff;
  buf[off + 3] = v & 0xff;
}

export function readU16(buf: Uint8Array, off: number): number {
  return ((buf[off] as number) << 8) | (buf[off + 1] as number);
}

export function readI16(buf: Uint8Array, off: number): number {
  const v = readU16(buf, off);
  return v >= 0x8000 ? v - 0x10000 : v;
}

export function readU32(buf: Uint8Array, off: number): number {
  return (
    (((buf[off] as number) << 24) |
      ((buf[off + 1] as number) << 16) |
      ((buf[off + 2] as number) << 8) |
      (buf[off + 3] as number)) >>>
    0
  );
}

export function readI32(buf: Uint8Array, off: number): number {
  return readU32(buf, off) | 0;
}

/** Clamp to an unsigned range and round; the codec saturates instead of wrapping. */
export function clampUint(v: number, max: number): number {
  if (!(v > 0)) return 0;
  if (v > max) return max;
  return Math.round(v);
}

export function clampInt(v: number, min: number, max: number): number {
  if (!(v >= min || v < min)) return 0; // NaN: Number.isNaN is not on every board
  if (v < min) return min;
  if (v > max) return max;
  return Math.round(v);
}

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

const HEX = "0123456789abcdef";

export function toHex(buf: Uint8Array): string {
  let s = "";
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i] as number;
    s += HEX.charAt(b >> 4) + HEX.charAt(b & 15);
  }
  return s;
}

/** Parses hex (spaces allowed); returns undefined on odd length or a non-hex digit. */
export function fromHex(hex: string): Uint8Array | undefined {
  const clean = hex.split(" ").join("").toLowerCase();
  if (clean.length % 2 !== 0) return undefined;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = HEX.indexOf(clean.charAt(2 * i));
    const lo = HEX.indexOf(clean.charAt(2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}
