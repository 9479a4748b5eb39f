/**
 * Fixed-size slots of (time offset, value) Int32 pairs carved out of shared
 * chunks, with a free list (issue 15: gateway RSS). Per-series or per-port
 * readings held as numbers in a JS array cost 16 bytes a reading plus the
 * array's spare room; here 8 bytes, and no ArrayBuffer of its own per slot
 * (about 250 bytes of overhead each, see registry/int32-slab.ts). The recent
 * readings chain 16-reading slots; the illegal-load rule keeps one 64-reading
 * ring per port. Slot numbers are dense, so callers can keep per-slot
 * metadata in typed arrays of `capacity()` entries.
 */

/** Int32 values per chunk and column (256 KB). */
const CHUNK_VALUES = 65_536;

export class PairPool {
  private readonly times: Int32Array[] = [];
  private readonly values: Int32Array[] = [];
  private readonly free: number[] = [];
  private slots = 0;
  private readonly perChunk: number;

  /** `slotLength` pairs per slot (at most CHUNK_VALUES). */
  constructor(private readonly slotLength: number) {
    this.perChunk = Math.floor(CHUNK_VALUES / slotLength);
    if (this.perChunk < 1)
      throw new RangeError(`PairPool: slots of ${slotLength} do not fit a chunk`);
  }

  /** Slots the pool has made so far (in use and free): every slot number is below it. */
  capacity(): number {
    return this.slots;
  }

  /** Slots handed out and not given back. */
  inUse(): number {
    return this.slots - this.free.length;
  }

  /** A slot (a freed one first); its contents are whatever was written last. */
  take(): number {
    const s = this.free.pop();
    if (s !== undefined) return s;
    if (this.slots % this.perChunk === 0) {
      this.times.push(new Int32Array(this.perChunk * this.slotLength));
      this.values.push(new Int32Array(this.perChunk * this.slotLength));
    }
    return this.slots++;
  }

  release(slot: number): void {
    this.free.push(slot);
  }

  time(slot: number, i: number): number {
    return this.times[(slot / this.perChunk) | 0]![(slot % this.perChunk) * this.slotLength + i]!;
  }

  value(slot: number, i: number): number {
    return this.values[(slot / this.perChunk) | 0]![(slot % this.perChunk) * this.slotLength + i]!;
  }

  set(slot: number, i: number, time: number, value: number): void {
    const c = (slot / this.perChunk) | 0;
    const at = (slot % this.perChunk) * this.slotLength + i;
    this.times[c]![at] = time;
    this.values[c]![at] = value;
  }
}
