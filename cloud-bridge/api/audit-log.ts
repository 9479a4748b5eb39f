/**
 * The audit trail of operator actions that change something at a compound
 * (port restores; acknowledgements): who, when, why and what the gateway
 * answered. Kept in memory (newest last, bounded) for the API and, when
 * `commands.auditFile` is set, appended to that file as one JSON line each so
 * it outlives the process. Time is passed in by the caller.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";

export interface AuditEntry {
  at: number;
  site: string;
  /** Token name of the person who acted, and its role at that moment. */
  by: string;
  role: string;
  action: "port-restore" | "ack";
  /** The reason the person typed (required for a restore). */
  reason: string;
  /** What was acted on: shed, port as people number it (from 1), charger and its port, alarm. */
  shed?: string;
  port?: number;
  deviceId?: string;
  devicePort?: number;
  alarmId?: string;
  /** Why the port was off when the person restored it. */
  cutReason?: string;
  outcome: "sent" | "refused" | "timeout" | "offline";
  error?: string;
  transaction?: string;
}

export class AuditLog {
  private readonly entries: AuditEntry[] = [];

  constructor(
    private readonly file: string | undefined,
    private readonly max = 5000,
  ) {
    if (file && existsSync(file)) {
      for (const line of readFileSync(file, "utf8").split("\n")) {
        if (!line.trim()) continue;
        try {
          this.keep(JSON.parse(line) as AuditEntry);
        } catch {
          // A torn last line after a crash: skip it, the rest stays readable.
        }
      }
    }
  }

  record(e: AuditEntry): void {
    this.keep(e);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(e)}\n`);
  }

  /** One site's entries, newest first. */
  list(site: string, limit = 200): AuditEntry[] {
    const out: AuditEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0 && out.length < limit; i--)
      if (this.entries[i]!.site === site) out.push(this.entries[i]!);
    return out;
  }

  private keep(e: AuditEntry) {
    this.entries.push(e);
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
  }
}
