/**
 * Commissioning reports saved by the installer page and the flash tool: a
 * JSON document per commissioned device (what was flashed, the self-test,
 * the first frames heard). Kept in the gateway database, newest first.
 */
import type { GatewayDatabase } from "../storage/database.js";

export interface StoredReport {
  id: number;
  createdAt: number;
  deviceId?: number;
  report: unknown;
}

const MAX_REPORT_BYTES = 256 * 1024;

export class ReportStore {
  constructor(private readonly db: GatewayDatabase) {}

  add(report: unknown, deviceId: number | undefined, now: number): StoredReport {
    const body = JSON.stringify(report);
    if (body.length > MAX_REPORT_BYTES)
      throw new Error(`report larger than ${MAX_REPORT_BYTES} bytes`);
    const r = this.db
      .prepare("INSERT INTO reports (created_at, device_id, body) VALUES (?, ?, ?)")
      .run(now, deviceId ?? null, body);
    const out: StoredReport = { id: Number(r.lastInsertRowid), createdAt: now, report };
    if (deviceId !== undefined) out.deviceId = deviceId;
    return out;
  }

  list(opts: { deviceId?: number; limit?: number } = {}): StoredReport[] {
    const limit = Math.min(opts.limit ?? 100, 1000);
    const rows = (
      opts.deviceId === undefined
        ? this.db.prepare("SELECT * FROM reports ORDER BY id DESC LIMIT ?").all(limit)
        : this.db
            .prepare("SELECT * FROM reports WHERE device_id = ? ORDER BY id DESC LIMIT ?")
            .all(opts.deviceId, limit)
    ) as Array<{ id: number; created_at: number; device_id: number | null; body: string }>;
    return rows.map((r) => {
      const out: StoredReport = { id: r.id, createdAt: r.created_at, report: JSON.parse(r.body) };
      if (r.device_id !== null) out.deviceId = r.device_id;
      return out;
    });
  }
}
