/**
 * When each repeating command is next due: a binary min-heap of (time,
 * device, command), so a tick touches only the commands that are due, not
 * every device with a resend schedule (a big fire puts hundreds of sleeping
 * detectors on one). Entries of commands that left the queue stay until they
 * come up and are skipped by the caller.
 */
export interface Due<T> {
  at: number;
  deviceId: number;
  item: T;
}

export class ResendSchedule<T> {
  private readonly heap: Array<Due<T>> = [];

  size(): number {
    return this.heap.length;
  }

  push(at: number, deviceId: number, item: T): void {
    const h = this.heap;
    h.push({ at, deviceId, item });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.at <= h[i]!.at) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  /** The earliest entry's time (stale entries included: a tick then skips them). */
  peekAt(): number | undefined {
    return this.heap[0]?.at;
  }

  /** Removes and returns the earliest entry due at or before `now`. */
  popDue(now: number): Due<T> | undefined {
    const h = this.heap;
    const top = h[0];
    if (!top || top.at > now) return undefined;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]!.at < h[m]!.at) m = l;
        if (r < h.length && h[r]!.at < h[m]!.at) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}
