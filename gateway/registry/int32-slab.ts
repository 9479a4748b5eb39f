/**
 * Small Int32Arrays carved out of shared chunks (issue 15: gateway memory at
 * 10,000 devices). A per-key `new Int32Array(16)` holds its numbers on the V8
 * heap until anything asks for its `.buffer` (a `subarray` does), and from
 * then on costs its own ArrayBuffer object and an off-heap backing store:
 * about 250 bytes per array beside the 64 of data. A view into a chunk costs
 * the view only.
 *
 * A chunk is freed by the garbage collector when no view into it is left, so
 * nothing is ever given back by hand; a view that outlives its neighbours
 * keeps its chunk (16 KB) alive, which bounds the waste to one chunk per
 * surviving view in the worst case and, for long-lived per-device state, to
 * little in practice.
 */
export class Int32Slab {
  private chunk: Int32Array | undefined;
  private used = 0;

  /** `chunkLength` Int32 values per chunk (4,096: 16 KB). */
  constructor(private readonly chunkLength = 4096) {}

  /** `n` zeroed values (n ≤ chunkLength), a view that shares its buffer with its neighbours. */
  take(n: number): Int32Array {
    if (n > this.chunkLength)
      throw new RangeError(`Int32Slab: ${n} values do not fit a chunk of ${this.chunkLength}`);
    if (!this.chunk || this.used + n > this.chunk.length) {
      this.chunk = new Int32Array(this.chunkLength);
      this.used = 0;
    }
    const view = this.chunk.subarray(this.used, this.used + n);
    this.used += n;
    return view;
  }
}
