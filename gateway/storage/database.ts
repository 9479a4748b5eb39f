/**
 * The gateway's one SQLite database. The wiring opens it and hands it to each
 * store (registry, counter windows, downlink counters, outbox, reports, and
 * gw-rules' alarm store). WAL with synchronous=FULL: a COMMIT that returned is
 * on the SD card (SQLite "WAL mode" docs: FULL syncs the WAL on every commit).
 * The file holds device keys, so it is created 0600 before SQLite opens it;
 * SQLite gives its -wal and -shm files the mode of the database file.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { GUARDIAN_ACTIVITY_MIGRATION } from "./guardian-activity.js";

export type GatewayDatabase = Database.Database;

const CORE_MIGRATIONS: string[] = [
  `
  CREATE TABLE IF NOT EXISTS devices (
    device_id INTEGER PRIMARY KEY,
    history_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    key BLOB NOT NULL,
    status TEXT NOT NULL,
    building TEXT,
    location TEXT,
    shed TEXT,
    heartbeat_s INTEGER NOT NULL,
    sleepy INTEGER NOT NULL,
    board TEXT,
    firmware TEXT,
    created_at INTEGER NOT NULL,
    replaced_by INTEGER,
    last_seen INTEGER,
    last_rssi INTEGER,
    last_receiver TEXT,
    battery_mv INTEGER
  );
  CREATE TABLE IF NOT EXISTS pending_devices (
    device_id INTEGER PRIMARY KEY,
    first_heard INTEGER NOT NULL,
    last_heard INTEGER NOT NULL,
    count INTEGER NOT NULL,
    receivers TEXT NOT NULL,
    type_code INTEGER
  );
  CREATE TABLE IF NOT EXISTS counter_windows (
    device_id INTEGER PRIMARY KEY,
    highest INTEGER NOT NULL,
    mask_lo INTEGER NOT NULL,
    mask_hi INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS downlink_counters (
    device_id INTEGER PRIMARY KEY,
    reserved_up_to INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    priority INTEGER NOT NULL,
    topic TEXT NOT NULL,
    payload TEXT NOT NULL,
    key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    thinned INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX IF NOT EXISTS outbox_priority_seq ON outbox (priority, seq);
  CREATE INDEX IF NOT EXISTS outbox_key_seq ON outbox (key, seq);
  CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at INTEGER NOT NULL,
    device_id INTEGER,
    body TEXT NOT NULL
  );
  `,
  GUARDIAN_ACTIVITY_MIGRATION,
  // A battery detector's own listen mode, from its registration (NULL: the site's).
  "ALTER TABLE devices ADD COLUMN listen TEXT;",
];

export interface OpenDatabaseOptions {
  /** Skip fsync (benchmarks of the CPU path only). Never in production. */
  unsafeNoSync?: boolean;
}

/** Opens (creating if needed) the gateway database at `path` and migrates it. */
export function openGatewayDatabase(path: string, opts: OpenDatabaseOptions = {}): GatewayDatabase {
  if (path !== ":memory:") {
    mkdirSync(dirname(path), { recursive: true });
    if (!existsSync(path)) closeSync(openSync(path, "a", 0o600));
    chmodSync(path, 0o600);
  }
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma(opts.unsafeNoSync ? "synchronous = OFF" : "synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  migrate(db, "core", CORE_MIGRATIONS);
  return db;
}

/**
 * Applies the migrations of one component (each a SQL script, in order) that
 * have not run yet. Components share the file, so versions are kept per
 * component in `schema_versions` rather than in PRAGMA user_version.
 */
export function migrate(db: GatewayDatabase, component: string, migrations: string[]): void {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)",
  );
  const row = db
    .prepare("SELECT version FROM schema_versions WHERE component = ?")
    .get(component) as { version: number } | undefined;
  const current = row?.version ?? 0;
  if (current >= migrations.length) return;
  db.transaction(() => {
    for (let v = current; v < migrations.length; v++) db.exec(migrations[v]!);
    db.prepare(
      "INSERT INTO schema_versions (component, version) VALUES (?, ?) ON CONFLICT(component) DO UPDATE SET version = excluded.version",
    ).run(component, migrations.length);
  })();
}
