/**
 * Response-time samples on disk (SQLite, WAL), so the cockpit's
 * week-over-week trends survive a restart and reach further back than the
 * alarms the bridge rebuilds: one row per alarm and kind (time to acknowledge,
 * time to clear), written as each is measured, read back at start, pruned
 * past the retention. The primary key makes a sample measured again (an
 * alarm replayed after a restart) a no-op.
 */
import Database from "better-sqlite3";
import type { ResponseSample } from "./response-times.js";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS response_samples (
    site TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('ack', 'clear')),
    alarm_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    ms INTEGER NOT NULL,
    PRIMARY KEY (site, kind, alarm_id)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS response_samples_at ON response_samples (at);
`;

interface Row {
  site: string;
  kind: "ack" | "clear";
  alarm_id: string;
  at: number;
  ms: number;
}

export class ResponseStore {
  private readonly db: Database.Database;
  private readonly insertStmt: Database.Statement;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    // A lost last sample costs one point of a percentile; fsync per alarm is not worth it.
    this.db.pragma("synchronous = NORMAL");
    this.db.exec(SCHEMA);
    this.insertStmt = this.db.prepare(
      "INSERT OR IGNORE INTO response_samples (site, kind, alarm_id, at, ms) VALUES (?, ?, ?, ?, ?)",
    );
  }

  add(site: string, s: ResponseSample): void {
    this.insertStmt.run(site, s.kind, s.alarmId, s.at, s.ms);
  }

  /** Every sample since `since` (ms), per site, oldest first. */
  load(since: number): Map<string, ResponseSample[]> {
    const rows = this.db
      .prepare("SELECT site, kind, alarm_id, at, ms FROM response_samples WHERE at > ? ORDER BY at")
      .all(since) as Row[];
    const out = new Map<string, ResponseSample[]>();
    for (const r of rows) {
      let list = out.get(r.site);
      if (!list) {
        list = [];
        out.set(r.site, list);
      }
      list.push({ kind: r.kind, alarmId: r.alarm_id, at: r.at, ms: r.ms });
    }
    return out;
  }

  /** Drops samples at or before `before`; returns how many. */
  prune(before: number): number {
    return this.db.prepare("DELETE FROM response_samples WHERE at <= ?").run(before).changes;
  }

  close(): void {
    this.db.close();
  }
}
