/**
 * When each device next needs to run: one entry per device in an indexed
 * binary heap, moved in place when its next timer changes. Sandboxed and
 * native devices wake several times a second of virtual time (a charger
 * without comparators samples every 50 ms); keeping their wake-ups out of the general event
 * queue makes each one an O(log n) move with nothing allocated.
 */

interface Entry<T> {
  key: T;
  atMs: number;
  seq: number;
  index: number;
}

export class WakeHeap<T> {
  private readonly heap: Entry<T>[] = [];
  private readonly entries = new Map<T, Entry<T>>();
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Sets (or moves) `key`'s wake-up to `atMs`. */
  set(key: T, atMs: number): void {
    let e = this.entries.get(key);
    if (e && e.index >= 0) {
      if (e.atMs === atMs) return;
      const earlier = atMs < e.atMs;
      e.atMs = atMs;
      e.seq = this.seq++;
      if (earlier) this.up(e.index);
      else this.down(e.index);
      return;
    }
    if (!e) {
      e = { key, atMs, seq: 0, index: -1 };
      this.entries.set(key, e);
    }
    e.atMs = atMs;
    e.seq = this.seq++;
    e.index = this.heap.length;
    this.heap.push(e);
    this.up(e.index);
  }

  /** Removes `key`'s wake-up, if any. */
  delete(key: T): void {
    const e = this.entries.get(key);
    if (!e || e.index < 0) return;
    const last = this.heap.pop()!;
    if (last !== e) {
      this.heap[e.index] = last;
      last.index = e.index;
      this.down(last.index);
      this.up(last.index);
    }
    e.index = -1;
  }

  peekMs(): number | undefined {
    return this.heap[0]?.atMs;
  }

  /** The key of the earliest wake-up, left in place (set() then moves it, allocating nothing). */
  peekKey(): T | undefined {
    return this.heap[0]?.key;
  }

  /** Takes the earliest wake-up off the heap. */
  pop(): { key: T; atMs: number } | undefined {
    const top = this.heap[0];
    if (!top) return undefined;
    this.delete(top.key);
    return { key: top.key, atMs: top.atMs };
  }

  private less(a: Entry<T>, b: Entry<T>): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    const e = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!this.less(e, parent)) break;
      h[i] = parent;
      parent.index = i;
      i = p;
    }
    h[i] = e;
    e.index = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const e = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(h[r]!, h[l]!) ? r : l;
      if (!this.less(h[c]!, e)) break;
      h[i] = h[c]!;
      h[i]!.index = i;
      i = c;
    }
    h[i] = e;
    e.index = i;
  }
}
