/**
 * Devices heard but not commissioned: the list the installer approves from.
 * Every frame of an unknown device is counted here (never silently dropped);
 * the list is bounded (least recently heard evicted) so a flood of random ids
 * cannot grow memory, and is written to SQLite in batches (flush).
 */
import type { Statement } from "better-sqlite3";
import { deviceIdHex } from "../../protocol/uplink.js";
import type { GatewayDatabase } from "../storage/database.js";
import type { SqlValue, WriteOp } from "../storage/write-ops.js";

export interface PendingDevice {
  deviceId: number;
  firstHeard: number;
  lastHeard: number;
  count: number;
  receivers: string[];
  /** Message type code of the last frame heard (hints at the device kind). */
  typeCode?: number;
}

interface Row {
  device_id: number;
  first_heard: number;
  last_heard: number;
  count: number;
  receivers: string;
  type_code: number | null;
}

const UPSERT_SQL = `
  INSERT INTO pending_devices (device_id, first_heard, last_heard, count, receivers, type_code)
  VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT(device_id) DO UPDATE SET last_heard = excluded.last_heard, count = excluded.count,
    receivers = excluded.receivers, type_code = excluded.type_code`;
const DELETE_SQL = "DELETE FROM pending_devices WHERE device_id = ?";

export class PendingDevices {
  private readonly db: GatewayDatabase;
  private readonly cap: number;
  /** Map order = least recently heard first. */
  private readonly entries = new Map<number, PendingDevice>();
  private readonly dirty = new Set<number>();
  private readonly removed = new Set<number>();
  private readonly upsert: Statement;
  private readonly del: Statement;
  evicted = 0;

  constructor(db: GatewayDatabase, cap = 1000) {
    this.db = db;
    this.cap = cap;
    this.upsert = db.prepare(UPSERT_SQL);
    this.del = db.prepare(DELETE_SQL);
  }

  load(): void {
    this.entries.clear();
    const rows = this.db
      .prepare("SELECT * FROM pending_devices ORDER BY last_heard")
      .all() as Row[];
    for (const r of rows) {
      const p: PendingDevice = {
        deviceId: r.device_id,
        firstHeard: r.first_heard,
        lastHeard: r.last_heard,
        count: r.count,
        receivers: JSON.parse(r.receivers) as string[],
      };
      if (r.type_code !== null) p.typeCode = r.type_code;
      this.entries.set(r.device_id, p);
    }
  }

  note(deviceId: number, receiver: string, now: number, typeCode?: number): void {
    let p = this.entries.get(deviceId);
    if (p) {
      this.entries.delete(deviceId);
    } else {
      p = { deviceId, firstHeard: now, lastHeard: now, count: 0, receivers: [] };
    }
    p.lastHeard = now;
    p.count++;
    if (!p.receivers.includes(receiver) && p.receivers.length < 8) p.receivers.push(receiver);
    if (typeCode !== undefined) p.typeCode = typeCode;
    this.entries.set(deviceId, p);
    this.dirty.add(deviceId);
    this.removed.delete(deviceId);
    while (this.entries.size > this.cap) {
      const oldest = this.entries.keys().next().value as number;
      this.remove(oldest);
      this.evicted++;
    }
  }

  get(deviceId: number): PendingDevice | undefined {
    return this.entries.get(deviceId);
  }

  list(): Array<PendingDevice & { id: string }> {
    return [...this.entries.values()]
      .reverse()
      .map((p) => ({ id: deviceIdHex(p.deviceId), ...p, receivers: [...p.receivers] }));
  }

  size(): number {
    return this.entries.size;
  }

  /** Drops a device from the list (it was approved or registered). */
  remove(deviceId: number): void {
    this.entries.delete(deviceId);
    this.dirty.delete(deviceId);
    this.removed.add(deviceId);
  }

  /** Writes the changes since the last flush; with `write`, hands them to it instead (the committer). */
  flush(write?: (ops: WriteOp[]) => void): void {
    if (this.dirty.size === 0 && this.removed.size === 0) return;
    const removed: SqlValue[][] = [...this.removed].map((id) => [id]);
    const upserts: SqlValue[][] = [];
    for (const id of this.dirty) {
      const p = this.entries.get(id);
      if (p)
        upserts.push([
          id,
          p.firstHeard,
          p.lastHeard,
          p.count,
          JSON.stringify(p.receivers),
          p.typeCode ?? null,
        ]);
    }
    if (write)
      write([
        { kind: "run", sql: DELETE_SQL, rows: removed },
        { kind: "run", sql: UPSERT_SQL, rows: upserts },
      ]);
    else
      this.db.transaction(() => {
        for (const r of removed) this.del.run(...r);
        for (const r of upserts) this.upsert.run(...r);
      })();
    this.dirty.clear();
    this.removed.clear();
  }
}
