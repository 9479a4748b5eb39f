/**
 * Recently accepted frames, keyed by (device, counter), so copies heard by
 * other receivers (or redelivered over MQTT) merge into the first copy's
 * message: its receivers list gains each receiver's reading. Bounded by count
 * and age; entries not yet committed are never evicted by age, because the
 * ack for a retransmission must wait for the first copy's commit. Once
 * committed, an entry keeps only what merging and acks need (device, counter,
 * receivers), not the decoded message nor the bytes: at 5,000 frames/s the
 * window holds about 8,000 committed frames.
 */
import type { ReceiverReading } from "../../protocol/uplink.js";
import type { AcceptedMessage } from "../types.js";

export interface RecentFrame {
  deviceId: number;
  counter: number;
  /** Every receiver that heard the frame (until the commit, the message's own list). */
  receivers: ReceiverReading[];
  /** The accepted message, for the committer; dropped once committed. */
  msg?: AcceptedMessage | undefined;
  /** The accepted frame's bytes (verified), for the committer; dropped once committed. */
  frame?: Uint8Array | undefined;
  acceptedAt: number;
  committed: boolean;
  /** An ack is owed to the device once the frame is committed. */
  ackWanted: boolean;
  /** Retransmissions (fresh counters, same message) to ack once this frame is committed. */
  extraAcks?: Array<{ counter: number; receiver: string }>;
}

/**
 * Entries are found by a number made of the device id and the low 16 bits of
 * the counter (no string per frame); `get` checks the full counter. Only
 * counters inside the 64-wide window are ever looked up, so two live entries
 * of one device never share a number. Age order is a FIFO beside the map, so
 * pruning never walks over deleted map slots.
 */
export class MergeWindow {
  private readonly entries = new Map<number, RecentFrame>();
  private fifo: RecentFrame[] = [];
  private head = 0;
  private readonly keepMs: number;
  private readonly cap: number;
  private lastPruneAt = 0;
  evicted = 0;

  constructor(keepMs: number, cap: number) {
    this.keepMs = keepMs;
    this.cap = cap;
  }

  static key(deviceId: number, counter: number): number {
    return deviceId * 65536 + (counter & 0xffff);
  }

  /** The entry of an accepted message (it shares the message's receivers list). */
  static entry(
    msg: AcceptedMessage,
    frame: Uint8Array,
    now: number,
    ackWanted: boolean,
  ): RecentFrame {
    return {
      deviceId: msg.deviceId,
      counter: msg.counter,
      receivers: msg.receivers,
      msg,
      frame,
      acceptedAt: now,
      committed: false,
      ackWanted,
    };
  }

  /**
   * Marks `f` committed and lets go of what only the committer needed
   * (assigned, not deleted: a delete would turn each entry into a slow
   * dictionary object).
   */
  static committed(f: RecentFrame): void {
    f.committed = true;
    f.msg = undefined;
    f.frame = undefined;
  }

  add(f: RecentFrame, now: number): void {
    this.entries.set(MergeWindow.key(f.deviceId, f.counter), f);
    this.fifo.push(f);
    // Pruning walks from the oldest entry; do it when over the cap or every 100 ms, not per frame.
    if (this.entries.size > this.cap || now - this.lastPruneAt >= 100) {
      this.lastPruneAt = now;
      this.prune(now);
    }
  }

  get(deviceId: number, counter: number): RecentFrame | undefined {
    const f = this.entries.get(MergeWindow.key(deviceId, counter));
    return f && f.counter === counter && f.deviceId === deviceId ? f : undefined;
  }

  size(): number {
    return this.entries.size;
  }

  /** Adds a receiver's reading to a frame; returns false when that receiver was already listed. */
  static merge(f: RecentFrame, reading: ReceiverReading): boolean {
    const have = f.receivers.find((r) => r.receiver === reading.receiver);
    if (have) {
      if (reading.rssi !== undefined && (have.rssi === undefined || reading.rssi > have.rssi))
        have.rssi = reading.rssi;
      return false;
    }
    f.receivers.push({ ...reading });
    return true;
  }

  private prune(now: number): void {
    while (this.head < this.fifo.length) {
      const f = this.fifo[this.head]!;
      const key = MergeWindow.key(f.deviceId, f.counter);
      if (this.entries.get(key) !== f) {
        // replaced by a newer frame with the same number: nothing to delete
        this.head++;
        continue;
      }
      const old = now - f.acceptedAt > this.keepMs;
      const over = this.entries.size > this.cap;
      if (!old && !over) break;
      if (!f.committed && !over) break;
      this.entries.delete(key);
      this.head++;
      this.evicted++;
    }
    if (this.head > 1024 && this.head * 2 > this.fifo.length) {
      this.fifo = this.fifo.slice(this.head);
      this.head = 0;
    }
  }
}
