/**
 * What the gateway knows a device holds of an image: a bit per chunk, filled
 * from the device's OTA status bitmaps (protocol: 64 chunks from `from`).
 * Pure; the campaign engine keeps one per transfer and persists it as hex.
 */
import { OTA_BITMAP_CHUNKS, OTA_CHUNK_BYTES } from "../../protocol/constants.js";
import type { OtaStatusMsg } from "../../protocol/messages.js";
import { chunkCount } from "../../protocol/ota.js";

export class ChunkMap {
  readonly total: number;
  private readonly bits: Uint8Array;

  constructor(total: number, bits?: Uint8Array) {
    this.total = total;
    this.bits = bits ?? new Uint8Array(Math.ceil(total / 8));
  }

  static forImage(size: number): ChunkMap {
    return new ChunkMap(chunkCount(size));
  }

  has(i: number): boolean {
    return (((this.bits[i >> 3] as number) >> (i & 7)) & 1) === 1;
  }

  held(): number {
    let n = 0;
    for (let i = 0; i < this.total; i++) if (this.has(i)) n++;
    return n;
  }

  /** Takes a status bitmap as the truth for its window (a device that restarted a transfer holds less). */
  noteStatus(s: OtaStatusMsg): void {
    for (let k = 0; k < OTA_BITMAP_CHUNKS; k++) {
      const i = s.from + k;
      if (i >= this.total) break;
      const have = (((s.have[k >> 3] as number) >> (k & 7)) & 1) === 1;
      const byte = this.bits[i >> 3] as number;
      this.bits[i >> 3] = have ? byte | (1 << (i & 7)) : byte & ~(1 << (i & 7));
    }
  }

  /** Every chunk held (the device verified the whole image). */
  fill(): void {
    for (let i = 0; i < this.total; i++)
      this.bits[i >> 3] = (this.bits[i >> 3] as number) | (1 << (i & 7));
  }

  /** Up to `limit` chunk indexes not known to be held, in order from `start` (wrapping). */
  missing(limit: number, start = 0): number[] {
    const out: number[] = [];
    for (let k = 0; k < this.total && out.length < limit; k++) {
      const i = (start + k) % this.total;
      if (!this.has(i)) out.push(i);
    }
    return out;
  }

  /**
   * Where the next query should start, after a burst that ended before chunk
   * `upTo`: the first chunk not known held among the OTA_BITMAP_CHUNKS before
   * it, so the answer covers the burst just sent (QUERY_EVERY is smaller),
   * not the window of an early chunk lost again and again (that one is sent
   * again in every burst until the last queries, from the first missing).
   */
  queryFrom(upTo = 0): number {
    return this.missing(1, Math.max(0, upTo - OTA_BITMAP_CHUNKS))[0] ?? 0;
  }

  toHex(): string {
    return Buffer.from(this.bits).toString("hex");
  }

  static fromHex(total: number, hex: string): ChunkMap {
    const bits = new Uint8Array(Math.ceil(total / 8));
    bits.set(Buffer.from(hex, "hex").subarray(0, bits.length));
    return new ChunkMap(total, bits);
  }
}

/** Chunk `i` of `image`. */
export function chunkOf(image: Uint8Array, i: number): Uint8Array {
  return image.subarray(i * OTA_CHUNK_BYTES, Math.min((i + 1) * OTA_CHUNK_BYTES, image.length));
}
