/**
 * Counter windows in SQLite, so a restart does not reopen replays. Windows are
 * written in the same transaction as the outbox entries they admitted (see
 * the wiring's commit function): a window on disk never claims a counter
 * whose message is not on disk.
 */
import type { Statement } from "better-sqlite3";
import type { GatewayDatabase } from "../storage/database.js";
import type { CounterTable, DeviceWindow } from "./counter-table.js";

export class CounterStore {
  private readonly db: GatewayDatabase;
  private readonly upsert: Statement;
  private readonly del: Statement;

  constructor(db: GatewayDatabase) {
    this.db = db;
    this.upsert = db.prepare(`
      INSERT INTO counter_windows (device_id, highest, mask_lo, mask_hi) VALUES (?, ?, ?, ?)
      ON CONFLICT(device_id) DO UPDATE SET highest = excluded.highest,
        mask_lo = excluded.mask_lo, mask_hi = excluded.mask_hi`);
    this.del = db.prepare("DELETE FROM counter_windows WHERE device_id = ?");
  }

  loadInto(table: CounterTable): number {
    let n = 0;
    const rows = this.db
      .prepare("SELECT device_id, highest, mask_lo, mask_hi FROM counter_windows")
      .iterate() as Iterable<{
      device_id: number;
      highest: number;
      mask_lo: number;
      mask_hi: number;
    }>;
    for (const r of rows) {
      table.set(r.device_id, { highest: r.highest, maskLo: r.mask_lo, maskHi: r.mask_hi });
      n++;
    }
    return n;
  }

  /** Saves windows; call inside the commit transaction. The last window per device wins. */
  save(windows: Iterable<DeviceWindow>): void {
    const last = new Map<number, DeviceWindow>();
    for (const w of windows) last.set(w.deviceId, w);
    for (const w of last.values()) this.upsert.run(w.deviceId, w.highest, w.maskLo, w.maskHi);
  }

  delete(deviceId: number): void {
    this.del.run(deviceId);
  }
}
