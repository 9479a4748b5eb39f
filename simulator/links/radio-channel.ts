/**
 * Airtime on one receiver's radio channel, at its line's baud rate (10 bits a
 * byte, like the UART that feeds the radio). What the channel carries:
 * - the receiver's own transmissions (the gateway's downlinks through it):
 *   one at a time, so they queue behind each other (FIFO) and a burst the line
 *   cannot carry shows as a growing queue delay;
 * - device transmissions heard by the receiver: a device sends its own frames
 *   one after the other (one UART, one radio), but frames of different
 *   senders cannot queue, so one that overlaps any other transmission on the
 *   channel (another device's, or the receiver's own: it is half-duplex)
 *   collides, and both are lost.
 * - wake-on-radio: a downlink to detectors whose radio sniffs the channel
 *   carries a wake-up preamble before the frame (preambleMs), and occupies the
 *   channel for both. Another transmission over the preamble is lost (the
 *   receiver is sending) but does not spoil the downlink: a detector's sniff
 *   finds carrier either way, and what it must receive whole is the frame.
 * - listen before talk: the receiver does not start a downlink over a device
 *   frame (it starts when that frame ends), and a device module defers while
 *   anything it would overlap is on the channel (`busyUntil`; radio-medium.ts
 *   applies it, with a random backoff).
 * Each transmission is a record whose `collided` flag a later overlapping one
 * may still set: the runner checks it when the frame would be delivered (at
 * its end plus latency, after every overlapping transmission has started).
 * Pure bookkeeping of times; no I/O.
 */

export interface Airtime {
  startMs: number;
  endMs: number;
  /** Where the frame starts after a wake-up preamble (startMs without one). */
  frameStartMs: number;
  collided: boolean;
}

export interface ChannelStats {
  /** Airtime of everything sent on the channel, ms. */
  busyMs: number;
  /** Transmissions lost to an overlap. */
  collisions: number;
  /** Longest wait of a downlink behind the receiver's own earlier ones, ms. */
  maxQueueMs: number;
  downlinks: number;
  uplinks: number;
}

const BITS_PER_BYTE = 10;
/** A device module's clear-channel assessment: frames that start closer together than this are not sensed. */
export const CCA_MS = 2;
/** Records older than this cannot overlap a new one (frames of at most ~70 bytes after a preamble of at most 10 s). */
const KEEP_MS = 12_000;

export function airtimeMs(bytes: number, baud: number): number {
  return (bytes * BITS_PER_BYTE * 1000) / baud;
}

export class RadioChannel {
  readonly stats: ChannelStats = {
    busyMs: 0,
    collisions: 0,
    maxQueueMs: 0,
    downlinks: 0,
    uplinks: 0,
  };
  private txFreeAtMs = 0;
  /** When each device's last frame on this channel ends. */
  private readonly senderFreeAtMs = new Map<number, number>();
  private recent: Airtime[] = [];
  /** The receiver's own transmissions among `recent`. */
  private readonly own = new WeakSet<Airtime>();
  /** Airtime offered per whole second of the run, by when it was handed over (the busiest stretch). */
  private readonly perSecond = new Map<number, number>();

  constructor(readonly baud: number) {}

  /**
   * A device frame heard on the channel from `nowMs`, or from when `sender`'s
   * previous frame ends (a device's frames follow each other, never overlap).
   */
  uplink(bytes: number, nowMs: number, sender?: number): Airtime {
    this.stats.uplinks++;
    let start = nowMs;
    if (sender !== undefined) {
      start = Math.max(nowMs, this.senderFreeAtMs.get(sender) ?? 0);
      this.senderFreeAtMs.set(sender, start + airtimeMs(bytes, this.baud));
      if (this.senderFreeAtMs.size > 4096) this.forgetIdleSenders(nowMs);
    }
    const end = start + airtimeMs(bytes, this.baud);
    return this.add({ startMs: start, endMs: end, frameStartMs: start, collided: false }, nowMs);
  }

  private forgetIdleSenders(nowMs: number): void {
    for (const [id, freeAt] of this.senderFreeAtMs)
      if (freeAt < nowMs) this.senderFreeAtMs.delete(id);
  }

  /**
   * The receiver transmits, after a wake-up preamble of `preambleMs` when
   * given: after its own earlier transmissions and after any device frame it
   * is hearing then.
   */
  downlink(bytes: number, nowMs: number, preambleMs = 0): Airtime {
    // Device frames already on the channel, or already due on it (their senders sensed
    // the channel clear first), are let through: the receiver starts after them.
    const durMs = preambleMs + airtimeMs(bytes, this.baud);
    let start = Math.max(nowMs, this.txFreeAtMs);
    for (let moved = true; moved; ) {
      moved = false;
      for (const r of this.recent)
        if (!this.own.has(r) && r.startMs < start + durMs && r.endMs > start) {
          start = r.endMs;
          moved = true;
        }
    }
    const frameStart = start + preambleMs;
    const end = frameStart + airtimeMs(bytes, this.baud);
    this.txFreeAtMs = end;
    this.stats.downlinks++;
    this.stats.maxQueueMs = Math.max(this.stats.maxQueueMs, start - nowMs);
    const tx = { startMs: start, endMs: end, frameStartMs: frameStart, collided: false };
    this.own.add(tx);
    return this.add(tx, nowMs);
  }

  /**
   * Carrier sense for a device frame of `durMs` from `atMs`: when the last
   * transmission it would overlap ends (the receiver's, or another device's
   * it hears), or undefined when the channel is clear. Transmissions that
   * start within CCA_MS of `atMs` are not sensed (neither side heard the
   * other yet): those collide.
   */
  busyUntil(atMs: number, durMs = 0): number | undefined {
    let until: number | undefined;
    for (const r of this.recent) {
      if (!(r.startMs < atMs + durMs && r.endMs > atMs)) continue;
      if (Math.abs(r.startMs - atMs) < CCA_MS && !this.own.has(r)) continue;
      until = Math.max(until ?? 0, r.endMs);
    }
    return until;
  }

  /** `askedAtMs`: when it was handed to the channel (the offered load counts it then). */
  private add(tx: Airtime, askedAtMs: number): Airtime {
    this.recent = this.recent.filter((r) => r.endMs > tx.startMs - KEEP_MS);
    for (const r of this.recent) {
      if (!(r.startMs < tx.endMs && tx.startMs < r.endMs)) continue;
      // Each loses what must be received whole: a device frame all of it, a downlink its frame.
      if (!r.collided && r.frameStartMs < tx.endMs) {
        r.collided = true;
        this.stats.collisions++;
      }
      if (!tx.collided && tx.frameStartMs < r.endMs) {
        tx.collided = true;
        this.stats.collisions++;
      }
    }
    this.recent.push(tx);
    this.stats.busyMs += tx.endMs - tx.startMs;
    const sec = Math.floor(askedAtMs / 1000);
    this.perSecond.set(sec, (this.perSecond.get(sec) ?? 0) + tx.endMs - tx.startMs);
    return tx;
  }

  /**
   * The airtime offered in the busiest `windowS` seconds as a share of them:
   * above 1 the line cannot carry it and the receiver's queue grows.
   */
  peakLoad(windowS = 10): number {
    let peak = 0;
    for (const start of this.perSecond.keys()) {
      let busy = 0;
      for (let s = start; s < start + windowS; s++) busy += this.perSecond.get(s) ?? 0;
      peak = Math.max(peak, busy / (windowS * 1000));
    }
    return peak;
  }
}
