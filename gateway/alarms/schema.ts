/** The alarm store's tables in the gateway's SQLite file. */
import { type GatewayDatabase, migrate } from "../storage/database.js";

const MIGRATIONS = [
  `
  CREATE TABLE IF NOT EXISTS alarms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alarm_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    device_id INTEGER NOT NULL,
    port INTEGER NOT NULL,
    rule TEXT NOT NULL,
    active INTEGER NOT NULL,
    acknowledged INTEGER NOT NULL,
    raised_at INTEGER NOT NULL,
    cleared_at INTEGER,
    acknowledged_at INTEGER,
    acknowledged_by TEXT,
    comment TEXT,
    level INTEGER NOT NULL DEFAULT 0,
    evidence TEXT,
    location TEXT,
    updated_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX IF NOT EXISTS alarms_one_active ON alarms (device_id, port, kind) WHERE active = 1;
  CREATE INDEX IF NOT EXISTS alarms_open ON alarms (active, acknowledged);
  CREATE INDEX IF NOT EXISTS alarms_device ON alarms (device_id, id);
  `,
];

export function migrateAlarms(db: GatewayDatabase): void {
  migrate(db, "alarms", MIGRATIONS);
}

export interface AlarmRow {
  id: number;
  alarm_id: string;
  kind: string;
  severity: string;
  device_id: number;
  port: number;
  rule: string;
  active: number;
  acknowledged: number;
  raised_at: number;
  cleared_at: number | null;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  comment: string | null;
  level: number;
  evidence: string | null;
  location: string | null;
  updated_at: number;
}
