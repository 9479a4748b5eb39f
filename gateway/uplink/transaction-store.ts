/**
 * Operator-command transactions already used, so a replay is refused. Only
 * transactions whose `issuedAt` is inside the 5-minute window need keeping
 * (older ones are refused as stale). The SQLite store keeps them across a
 * gateway restart, so a command captured just before a restart cannot be
 * replayed just after it.
 */
import { type GatewayDatabase, migrate } from "../storage/database.js";

export interface TransactionStore {
  has(transaction: string): boolean;
  add(transaction: string, issuedAt: number): void;
  /** Forgets transactions issued before `before`. */
  forgetIssuedBefore(before: number): void;
  size(): number;
}

export class MemoryTransactionStore implements TransactionStore {
  private readonly seen = new Map<string, number>();
  has(t: string): boolean {
    return this.seen.has(t);
  }
  add(t: string, issuedAt: number): void {
    this.seen.set(t, issuedAt);
  }
  forgetIssuedBefore(before: number): void {
    for (const [t, at] of this.seen) if (at < before) this.seen.delete(t);
  }
  size(): number {
    return this.seen.size;
  }
}

const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS command_transactions (
     transaction_id TEXT PRIMARY KEY,
     issued_at INTEGER NOT NULL
   );
   CREATE INDEX IF NOT EXISTS command_transactions_issued ON command_transactions (issued_at);`,
];

export class SqliteTransactionStore implements TransactionStore {
  private readonly hasStmt;
  private readonly addStmt;
  private readonly forgetStmt;
  private readonly countStmt;

  constructor(db: GatewayDatabase) {
    migrate(db, "uplink", MIGRATIONS);
    this.hasStmt = db.prepare("SELECT 1 FROM command_transactions WHERE transaction_id = ?");
    this.addStmt = db.prepare(
      "INSERT OR IGNORE INTO command_transactions (transaction_id, issued_at) VALUES (?, ?)",
    );
    this.forgetStmt = db.prepare("DELETE FROM command_transactions WHERE issued_at < ?");
    this.countStmt = db.prepare("SELECT COUNT(*) AS n FROM command_transactions");
  }

  has(t: string): boolean {
    return this.hasStmt.get(t) !== undefined;
  }
  add(t: string, issuedAt: number): void {
    this.addStmt.run(t, issuedAt);
  }
  forgetIssuedBefore(before: number): void {
    this.forgetStmt.run(before);
  }
  size(): number {
    return (this.countStmt.get() as { n: number }).n;
  }
}
