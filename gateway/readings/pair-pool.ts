/**
 * Fixed-size slots of (time offset, value) pairs carved out of shared chunks,
 * with a free list (issue 15: gateway RSS). The time is an Int32 and the value
 * 16 bits: every reading the gateway keeps is a 16-bit field on the wire
 * (power W, battery mV and smoke level unsigned, the shed temperature signed
 * tenths), so the pool stores the field's bits and the caller, which knows the
 * field, reads them back as it was sent. Per-series or per-port readings held
 * as numbers in a JS array cost 16 bytes a reading plus the array's spare
 * room; here 6 bytes, and no ArrayBuffer of its own per slot
 * (about 250 bytes of overhead each, see registry/int32-slab.ts). The recent
 * readings chain 16-reading slots; the illegal-load rule keeps one 64-reading
 * ring per port. Slot numbers are dense, so callers can keep per-slot
 * metadata in typed arrays of `capacity()` entries.
 */

/** The signed value of a signed 16-bit field stored as its low 16 bits. */
export function fromI16(bits: number): number {
  return (bits << 16) >> 16;
}

/** Pairs per chunk (a 256 KB chunk of times and a 128 KB chunk of values). */
const CHUNK_VALUES = 65_536;

export class PairPool {
  private readonly times: Int32Array[] = [];
  private readonly values: Uint16Array[] = [];
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
      this.values.push(new Uint16Array(this.perChunk * this.slotLength));
    }
    return this.slots++;
  }

  release(slot: number): void {
    this.free.push(slot);
  }

  time(slot: number, i: number): number {
    return this.times[(slot / this.perChunk) | 0]![(slot % this.perChunk) * this.slotLength + i]!;
  }

  /** The value's 16 bits, as an unsigned number (0 to 65,535). */
  value(slot: number, i: number): number {
    return this.values[(slot / this.perChunk) | 0]![(slot % this.perChunk) * this.slotLength + i]!;
  }

  /** Stores `time` (an Int32) and the low 16 bits of `value`. */
  set(slot: number, i: number, time: number, value: number): void {
    const c = (slot / this.perChunk) | 0;
    const at = (slot % this.perChunk) * this.slotLength + i;
    this.times[c]![at] = time;
    this.values[c]![at] = value;
  }
}
