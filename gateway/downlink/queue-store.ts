/**
 * Commands waiting for devices, kept in SQLite so a restart loses neither a
 * fire sounding waiting for a sleeping detector's window nor a port cut a
 * charger has not confirmed yet. A row is written when a command is queued,
 * again when it is signed (its counter and bytes: after a restart the same
 * bytes are resent, so a device that already acted only repeats its
 * command-ack) and deleted when the command leaves the queue (command-ack,
 * expiry, given up, replaced). Send counts and resend times live in memory
 * only: a restart starts a fresh resend schedule.
 *
 * Writes go to `write` (the committer: the same transaction as the frame that
 * caused the command, so a device is acked only after its consequences are on
 * disk) or, without it, to `db` at once.
 */
import type { DownlinkMsg } from "../../protocol/messages.js";
import { type GatewayDatabase, migrate } from "../storage/database.js";
import { WriteExecutor, type WriteOp } from "../storage/write-ops.js";
import type { Priority } from "../types.js";

const MIGRATIONS = [
  `
  CREATE TABLE IF NOT EXISTS downlink_queue (
    id INTEGER PRIMARY KEY,
    device_id INTEGER NOT NULL,
    msg TEXT NOT NULL,
    priority INTEGER NOT NULL,
    reason TEXT NOT NULL,
    queued_at INTEGER NOT NULL,
    counter INTEGER,
    bytes BLOB
  );
  CREATE INDEX IF NOT EXISTS downlink_queue_device ON downlink_queue (device_id);
  `,
];

const INSERT =
  "INSERT INTO downlink_queue (id, device_id, msg, priority, reason, queued_at, counter, bytes) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)";
const SIGNED = "UPDATE downlink_queue SET counter = ?, bytes = ? WHERE id = ?";
const DELETE = "DELETE FROM downlink_queue WHERE id = ?";
const MOVE = "UPDATE downlink_queue SET device_id = ? WHERE id = ?";

export interface StoredDownlink {
  id: number;
  deviceId: number;
  msg: DownlinkMsg;
  priority: Priority;
  reason: string;
  queuedAt: number;
  signed?: { counter: number; bytes: Uint8Array };
}

interface Row {
  id: number;
  device_id: number;
  msg: string;
  priority: number;
  reason: string;
  queued_at: number;
  counter: number | null;
  bytes: Buffer | null;
}

export class DownlinkQueueStore {
  private readonly db: GatewayDatabase;
  private readonly write: ((ops: WriteOp[]) => void) | undefined;
  private local: WriteExecutor | undefined;
  private lastId = 0;

  constructor(db: GatewayDatabase, write?: (ops: WriteOp[]) => void) {
    this.db = db;
    this.write = write;
    migrate(db, "downlinks", MIGRATIONS);
  }

  /** The commands that were waiting (oldest first); ids continue after the highest. */
  load(): StoredDownlink[] {
    const rows = this.db.prepare("SELECT * FROM downlink_queue ORDER BY id").all() as Row[];
    const out: StoredDownlink[] = [];
    for (const r of rows) {
      this.lastId = Math.max(this.lastId, r.id);
      const d: StoredDownlink = {
        id: r.id,
        deviceId: r.device_id,
        msg: JSON.parse(r.msg) as DownlinkMsg,
        priority: r.priority as Priority,
        reason: r.reason,
        queuedAt: r.queued_at,
      };
      if (r.counter !== null && r.bytes !== null)
        d.signed = { counter: r.counter, bytes: new Uint8Array(r.bytes) };
      out.push(d);
    }
    return out;
  }

  /** Stores a newly queued command; returns its id. */
  insert(d: Omit<StoredDownlink, "id" | "signed">): number {
    const id = ++this.lastId;
    this.apply([
      {
        kind: "run",
        sql: INSERT,
        rows: [[id, d.deviceId, JSON.stringify(d.msg), d.priority, d.reason, d.queuedAt]],
      },
    ]);
    return id;
  }

  signed(id: number, counter: number, bytes: Uint8Array): void {
    this.apply([{ kind: "run", sql: SIGNED, rows: [[counter, bytes, id]] }]);
  }

  remove(ids: number[]): void {
    if (ids.length > 0) this.apply([{ kind: "run", sql: DELETE, rows: ids.map((id) => [id]) }]);
  }

  moved(ids: number[], toDeviceId: number): void {
    if (ids.length > 0)
      this.apply([{ kind: "run", sql: MOVE, rows: ids.map((id) => [toDeviceId, id]) }]);
  }

  private apply(ops: WriteOp[]): void {
    if (this.write) {
      this.write(ops);
      return;
    }
    this.local ??= new WriteExecutor(this.db);
    this.local.apply(ops);
  }
}
