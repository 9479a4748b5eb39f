/**
 * Recently accepted frames, keyed by (device, counter), so copies heard by
 * other receivers (or redelivered over MQTT) merge into the first copy's
 * message: its receivers list gains each receiver's reading. Bounded by count
 * and age; entries not yet committed are never evicted by age, because the
 * ack for a retransmission must wait for the first copy's commit.
 */
import type { ReceiverReading } from "../../protocol/uplink.js";
import type { AcceptedMessage } from "../types.js";

export interface RecentFrame {
  msg: AcceptedMessage;
  acceptedAt: number;
  committed: boolean;
  /** An ack is owed to the device once the frame is committed. */
  ackWanted: boolean;
  /** Retransmissions (fresh counters, same message) to ack once this frame is committed. */
  extraAcks?: Array<{ counter: number; receiver: string }>;
}

export class MergeWindow {
  private readonly entries = new Map<string, RecentFrame>();
  private readonly keepMs: number;
  private readonly cap: number;
  private lastPruneAt = 0;
  evicted = 0;

  constructor(keepMs: number, cap: number) {
    this.keepMs = keepMs;
    this.cap = cap;
  }

  static key(deviceId: number, counter: number): string {
    return `${deviceId}:${counter}`;
  }

  add(f: RecentFrame, now: number): void {
    this.entries.set(MergeWindow.key(f.msg.deviceId, f.msg.counter), f);
    // Pruning walks from the oldest entry; do it when over the cap or every 100 ms, not per frame.
    if (this.entries.size > this.cap || now - this.lastPruneAt >= 100) {
      this.lastPruneAt = now;
      this.prune(now);
    }
  }

  get(deviceId: number, counter: number): RecentFrame | undefined {
    return this.entries.get(MergeWindow.key(deviceId, counter));
  }

  size(): number {
    return this.entries.size;
  }

  /** Adds a receiver's reading to a frame; returns false when that receiver was already listed. */
  static merge(f: RecentFrame, reading: ReceiverReading): boolean {
    const have = f.msg.receivers.find((r) => r.receiver === reading.receiver);
    if (have) {
      if (reading.rssi !== undefined && (have.rssi === undefined || reading.rssi > have.rssi))
        have.rssi = reading.rssi;
      return false;
    }
    f.msg.receivers.push({ ...reading });
    return true;
  }

  private prune(now: number): void {
    for (const [k, f] of this.entries) {
      const old = now - f.acceptedAt > this.keepMs;
      const over = this.entries.size > this.cap;
      if (!old && !over) break;
      if (!f.committed && !over) break;
      this.entries.delete(k);
      this.evicted++;
    }
  }
}
