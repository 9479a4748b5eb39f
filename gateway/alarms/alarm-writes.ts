/**
 * The alarm store's changes as WriteOps (storage/write-ops.ts): the whole row
 * on insert, every field a transition can change on update. The store hands
 * them, with the transition's outbox entry, to the committer (or applies them
 * at once when it has no writer).
 */
import type { WriteOp } from "../storage/write-ops.js";
import type { AlarmRow } from "./schema.js";

const COLUMNS = [
  "id",
  "alarm_id",
  "kind",
  "severity",
  "device_id",
  "port",
  "rule",
  "active",
  "acknowledged",
  "raised_at",
  "cleared_at",
  "acknowledged_at",
  "acknowledged_by",
  "comment",
  "level",
  "evidence",
  "location",
  "updated_at",
] as const satisfies ReadonlyArray<keyof AlarmRow>;
const INSERT_SQL = `INSERT INTO alarms (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map(() => "?").join(", ")})`;
/** Every field a transition can change, by id. */
const UPDATE_SQL =
  "UPDATE alarms SET device_id = ?, active = ?, acknowledged = ?, cleared_at = ?, acknowledged_at = ?, acknowledged_by = ?, comment = ?, level = ?, updated_at = ? WHERE id = ?";
export const PRUNE_WHERE = "active = 0 AND acknowledged = 1 AND updated_at < ?";

export function insertOp(r: AlarmRow): WriteOp {
  return { kind: "run", sql: INSERT_SQL, rows: [COLUMNS.map((c) => r[c])] };
}

export function updateOp(r: AlarmRow): WriteOp {
  return {
    kind: "run",
    sql: UPDATE_SQL,
    rows: [
      [
        r.device_id,
        r.active,
        r.acknowledged,
        r.cleared_at,
        r.acknowledged_at,
        r.acknowledged_by,
        r.comment,
        r.level,
        r.updated_at,
        r.id,
      ],
    ],
  };
}
