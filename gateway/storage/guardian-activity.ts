/**
 * Guardian activity stays on the gateway. A guardian sensor's reports (door
 * openings, motion triggers, idle seconds, battery) are a person's raw
 * movements at home: the cloud gets only the welfare rule's states and times
 * (dev/{id}/resident), never these. They are kept here, in the gateway's
 * SQLite file, for RETENTION_MS (the welfare model learns a routine over a
 * rolling 14 days) and written in the same transaction as the frame's counter
 * window, so an acknowledged report is stored exactly like an uplinked one.
 */
import type { GuardianActivityMsg } from "../../protocol/messages.js";
import type { AcceptedMessage } from "../types.js";
import type { GatewayDatabase } from "./database.js";
import type { WriteOp } from "./write-ops.js";

/** How long the gateway keeps a guardian report. */
export const GUARDIAN_ACTIVITY_RETENTION_MS = 14 * 24 * 3600_000;

export const GUARDIAN_ACTIVITY_MIGRATION = `
  CREATE TABLE IF NOT EXISTS guardian_activity (
    device_id INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    counter INTEGER NOT NULL,
    door_opens INTEGER NOT NULL,
    motion_count INTEGER NOT NULL,
    idle_s INTEGER NOT NULL,
    battery_mv INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS guardian_activity_device_at ON guardian_activity (device_id, received_at);
  CREATE INDEX IF NOT EXISTS guardian_activity_at ON guardian_activity (received_at);
`;

const INSERT =
  "INSERT INTO guardian_activity (device_id, received_at, counter, door_opens, motion_count, idle_s, battery_mv) VALUES (?, ?, ?, ?, ?, ?, ?)";
const PRUNE = "DELETE FROM guardian_activity WHERE received_at < ?";

/** True for the messages that never leave the gateway. */
export function staysLocal(m: AcceptedMessage): boolean {
  return m.msg.type === "guardian-activity";
}

/**
 * The write ops that store a batch's guardian reports locally and drop those
 * older than the retention (counted from the newest report of the batch).
 */
export function guardianActivityOps(local: readonly AcceptedMessage[]): WriteOp[] {
  if (local.length === 0) return [];
  let newest = 0;
  const rows = local.map((m) => {
    const a = m.msg as GuardianActivityMsg;
    if (m.receivedAt > newest) newest = m.receivedAt;
    return [m.deviceId, m.receivedAt, m.counter, a.doorOpens, a.motionCount, a.idleS, a.batteryMv];
  });
  return [
    { kind: "run", sql: INSERT, rows },
    { kind: "run", sql: PRUNE, rows: [[newest - GUARDIAN_ACTIVITY_RETENTION_MS]] },
  ];
}

export interface GuardianReport {
  deviceId: number;
  receivedAt: number;
  counter: number;
  doorOpens: number;
  motionCount: number;
  idleS: number;
  batteryMv: number;
}

/** A device's stored reports received at or after `fromMs`, oldest first. */
export function guardianReports(
  db: GatewayDatabase,
  deviceId: number,
  fromMs = 0,
): GuardianReport[] {
  return db
    .prepare(
      `SELECT device_id AS deviceId, received_at AS receivedAt, counter, door_opens AS doorOpens,
        motion_count AS motionCount, idle_s AS idleS, battery_mv AS batteryMv
       FROM guardian_activity WHERE device_id = ? AND received_at >= ? ORDER BY received_at, counter`,
    )
    .all(deviceId, fromMs) as GuardianReport[];
}
