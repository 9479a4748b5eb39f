/**
 * Per-device downlink counters. Every signed downlink takes the next counter;
 * counters are reserved in blocks in SQLite (like the firmware reserves its
 * uplink counters in flash), so a restart skips at most one block and never
 * reuses a counter the device has already seen.
 */
import type { Statement } from "better-sqlite3";
import type { GatewayDatabase } from "../storage/database.js";

export const DOWNLINK_COUNTER_BLOCK = 256;

export class DownlinkCounterStore {
  private readonly next = new Map<number, number>();
  private readonly reserved = new Map<number, number>();
  private readonly read: Statement;
  private readonly write: Statement;

  constructor(db: GatewayDatabase) {
    this.read = db.prepare("SELECT reserved_up_to AS r FROM downlink_counters WHERE device_id = ?");
    this.write = db.prepare(`
      INSERT INTO downlink_counters (device_id, reserved_up_to) VALUES (?, ?)
      ON CONFLICT(device_id) DO UPDATE SET reserved_up_to = excluded.reserved_up_to`);
  }

  /** The counter for the next downlink to `deviceId`; persists a new block when needed. */
  take(deviceId: number): number {
    let n = this.next.get(deviceId);
    let reserved = this.reserved.get(deviceId);
    if (n === undefined || reserved === undefined) {
      const row = this.read.get(deviceId) as { r: number } | undefined;
      n = row ? row.r : 1;
      reserved = n;
    }
    if (n >= reserved) {
      reserved = n + DOWNLINK_COUNTER_BLOCK;
      this.write.run(deviceId, reserved);
    }
    this.next.set(deviceId, n + 1);
    this.reserved.set(deviceId, reserved);
    return n;
  }
}
