/**
 * The alarm lifecycle on the gateway's SQLite file: active/cleared x
 * acknowledged/unacknowledged, severity, escalation levels. One alarm per
 * (device, port, kind) while it is active however many frames repeat it, so
 * a person never sees one event twice. Every transition is returned as an
 * AlarmTransition and, when an outbox is given, appended to it (priority
 * alarm) in the same transaction as the state change: both or neither.
 * State survives a restart (the active alarms are reloaded by `load`).
 */
import type {
  AlarmKind,
  AlarmTransition,
  AlarmTransitionKind,
  Severity,
} from "../../protocol/uplink.js";
import { deviceIdHex, topics } from "../../protocol/uplink.js";
import type { EscalationPolicyConfig } from "../config/site-config.js";
import type { GatewayDatabase } from "../storage/database.js";
import { type Action, type Outbox, type OutboxItem, PRIORITY_ALARM } from "../types.js";
import { dueLevel, policyFor } from "./escalation.js";
import { type AlarmRow, migrateAlarms } from "./schema.js";

export type RaiseAction = Extract<Action, { type: "raise-alarm" }>;
export type ClearAction = Extract<Action, { type: "clear-alarm" }>;

/** An alarm as lists and the HTTP API show it. */
export interface AlarmRecord {
  alarmId: string;
  kind: AlarmKind;
  severity: Severity;
  deviceId: string;
  port?: number;
  rule: string;
  active: boolean;
  acknowledged: boolean;
  raisedAt: number;
  clearedAt?: number;
  acknowledgedAt?: number;
  acknowledgedBy?: string;
  comment?: string;
  level: number;
  evidence?: string;
  location?: string;
}

export type AckResult =
  | { ok: true; alarm: AlarmRecord; transition: AlarmTransition }
  | { ok: false; status: 404 | 409 | 400; error: string };

export interface AlarmStoreOptions {
  site: string;
  gateway: string;
  escalation?: readonly EscalationPolicyConfig[];
  /** Transitions are appended here in the same transaction as the state change. */
  outbox?: Outbox;
  /** Placement text of a device for the alarm ("b1/101"). */
  locate?: (deviceId: number) => string | undefined;
  /** Closed alarms (cleared and acknowledged) are deleted after this many days. Default 90. */
  retentionDays?: number;
}

export interface AlarmStoreStats {
  raised: number;
  /** Raises folded into an alarm that was already active. */
  repeats: number;
  cleared: number;
  acknowledged: number;
  escalated: number;
  pruned: number;
}

const NO_PORT = -1;
const PRUNE_EVERY_MS = 3_600_000;

const keyOf = (deviceId: number, port: number | undefined, kind: string) =>
  `${deviceId}:${port ?? NO_PORT}:${kind}`;

export function toRecord(r: AlarmRow): AlarmRecord {
  const a: AlarmRecord = {
    alarmId: r.alarm_id,
    kind: r.kind as AlarmKind,
    severity: r.severity as Severity,
    deviceId: deviceIdHex(r.device_id),
    rule: r.rule,
    active: r.active === 1,
    acknowledged: r.acknowledged === 1,
    raisedAt: r.raised_at,
    level: r.level,
  };
  if (r.port !== NO_PORT) a.port = r.port;
  if (r.cleared_at !== null) a.clearedAt = r.cleared_at;
  if (r.acknowledged_at !== null) a.acknowledgedAt = r.acknowledged_at;
  if (r.acknowledged_by !== null) a.acknowledgedBy = r.acknowledged_by;
  if (r.comment !== null) a.comment = r.comment;
  if (r.evidence !== null) a.evidence = r.evidence;
  if (r.location !== null) a.location = r.location;
  return a;
}

/** The outbox entry of a transition: alarm priority, ordered per device. */
export function alarmOutboxItem(t: AlarmTransition): OutboxItem {
  return {
    priority: PRIORITY_ALARM,
    topic: topics.alarm(t.site, t.gateway),
    payload: JSON.stringify(t),
    key: `alarm/${t.deviceId}`,
    createdAt: t.ts,
  };
}

export class AlarmStore {
  readonly stats: AlarmStoreStats = {
    raised: 0,
    repeats: 0,
    cleared: 0,
    acknowledged: 0,
    escalated: 0,
    pruned: 0,
  };
  private readonly db: GatewayDatabase;
  private readonly opts: AlarmStoreOptions;
  private policies: readonly EscalationPolicyConfig[];
  /** Active alarms by (device, port, kind): the de-duplication index. */
  private readonly active = new Map<string, AlarmRow>();
  private lastPruneAt = Number.NEGATIVE_INFINITY;
  private loaded = false;

  constructor(db: GatewayDatabase, opts: AlarmStoreOptions) {
    this.db = db;
    this.opts = opts;
    this.policies = opts.escalation ?? [];
  }

  /** Creates the tables if needed and reloads the active alarms. */
  load(): void {
    migrateAlarms(this.db);
    this.active.clear();
    const rows = this.db.prepare("SELECT * FROM alarms WHERE active = 1").all() as AlarmRow[];
    for (const r of rows) this.active.set(keyOf(r.device_id, r.port, r.kind), r);
    this.loaded = true;
  }

  setEscalation(policies: readonly EscalationPolicyConfig[]): void {
    this.policies = policies;
  }

  activeCount(): number {
    return this.active.size;
  }

  /** Applies a raise or clear (other actions are ignored); returns the transitions. */
  apply(action: Action, now: number): AlarmTransition[] {
    if (action.type === "raise-alarm") {
      const t = this.raise(action, now);
      return t ? [t] : [];
    }
    if (action.type === "clear-alarm") {
      const t = this.clear(action, now);
      return t ? [t] : [];
    }
    return [];
  }

  raise(a: RaiseAction, now: number): AlarmTransition | undefined {
    this.requireLoaded();
    const key = keyOf(a.deviceId, a.port, a.kind);
    if (this.active.has(key)) {
      this.stats.repeats++;
      return undefined;
    }
    const location = this.opts.locate?.(a.deviceId);
    const row = this.db.transaction((): AlarmRow => {
      const r = this.db
        .prepare(
          `INSERT INTO alarms (alarm_id, kind, severity, device_id, port, rule, active, acknowledged,
             raised_at, level, evidence, location, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, 1, 0, ?, 0, ?, ?, ?) RETURNING *`,
        )
        .get(
          `pending-${key}-${now}`,
          a.kind,
          a.severity,
          a.deviceId,
          a.port ?? NO_PORT,
          a.rule,
          now,
          a.evidence ?? null,
          location ?? null,
          now,
        ) as AlarmRow;
      r.alarm_id = `${this.opts.gateway}-${r.id}`;
      this.db.prepare("UPDATE alarms SET alarm_id = ? WHERE id = ?").run(r.alarm_id, r.id);
      this.emit(r, "raised", now);
      return r;
    })();
    this.active.set(key, row);
    this.stats.raised++;
    return this.transition(row, "raised", now);
  }

  clear(a: ClearAction, now: number): AlarmTransition | undefined {
    this.requireLoaded();
    const key = keyOf(a.deviceId, a.port, a.kind);
    const r = this.active.get(key);
    if (!r) return undefined;
    const next: AlarmRow = { ...r, active: 0, cleared_at: now, updated_at: now };
    this.db.transaction(() => {
      this.db
        .prepare("UPDATE alarms SET active = 0, cleared_at = ?, updated_at = ? WHERE id = ?")
        .run(now, now, r.id);
      this.emit(next, "cleared", now);
    })();
    this.active.delete(key);
    this.stats.cleared++;
    return this.transition(next, "cleared", now);
  }

  ack(alarmId: string, by: string, comment: string | undefined, now: number): AckResult {
    this.requireLoaded();
    if (!by.trim()) return { ok: false, status: 400, error: "say who acknowledges (by)" };
    const r = this.db.prepare("SELECT * FROM alarms WHERE alarm_id = ?").get(alarmId) as
      | AlarmRow
      | undefined;
    if (!r) return { ok: false, status: 404, error: `no alarm ${alarmId}` };
    if (r.acknowledged === 1) {
      return {
        ok: false,
        status: 409,
        error: `alarm ${alarmId} was already acknowledged by ${r.acknowledged_by}`,
      };
    }
    const next: AlarmRow = {
      ...r,
      acknowledged: 1,
      acknowledged_at: now,
      acknowledged_by: by,
      comment: comment ?? null,
      updated_at: now,
    };
    this.db.transaction(() => {
      this.db
        .prepare(
          "UPDATE alarms SET acknowledged = 1, acknowledged_at = ?, acknowledged_by = ?, comment = ?, updated_at = ? WHERE id = ?",
        )
        .run(now, by, comment ?? null, now, r.id);
      this.emit(next, "acknowledged", now);
    })();
    if (next.active === 1) this.active.set(keyOf(r.device_id, r.port, r.kind), next);
    this.stats.acknowledged++;
    return {
      ok: true,
      alarm: toRecord(next),
      transition: this.transition(next, "acknowledged", now),
    };
  }

  /** Escalates active unacknowledged alarms whose next level is due; prunes closed ones hourly. */
  tick(now: number): AlarmTransition[] {
    this.requireLoaded();
    const out: AlarmTransition[] = [];
    for (const [key, r] of this.active) {
      if (r.acknowledged === 1) continue;
      const a = { kind: r.kind as AlarmKind, severity: r.severity as Severity };
      const policy = policyFor(a, this.policies);
      const due = dueLevel(
        { ...a, active: true, acknowledged: false, raisedAt: r.raised_at, level: r.level },
        policy,
        now,
      );
      if (due <= r.level) continue;
      let cur = r;
      this.db.transaction(() => {
        for (let level = r.level + 1; level <= due; level++) {
          cur = { ...cur, level, updated_at: now };
          this.db
            .prepare("UPDATE alarms SET level = ?, updated_at = ? WHERE id = ?")
            .run(level, now, r.id);
          this.emit(cur, "escalated", now);
          out.push(this.transition(cur, "escalated", now));
        }
      })();
      this.active.set(key, cur);
      this.stats.escalated += due - r.level;
    }
    if (now - this.lastPruneAt >= PRUNE_EVERY_MS) {
      this.lastPruneAt = now;
      this.prune(now);
    }
    return out;
  }

  /**
   * Hardware replacement (gw-core's DeviceAdmin.replace): the logical device's
   * active alarms now belong to the new hardware id, so its frames clear them.
   * Returns how many moved.
   */
  moveDevice(fromId: number, toId: number, now: number): number {
    this.requireLoaded();
    let moved = 0;
    this.db.transaction(() => {
      for (const [key, r] of [...this.active]) {
        if (r.device_id !== fromId) continue;
        this.db
          .prepare("UPDATE alarms SET device_id = ?, updated_at = ? WHERE id = ?")
          .run(toId, now, r.id);
        this.active.delete(key);
        this.active.set(keyOf(toId, r.port, r.kind), { ...r, device_id: toId, updated_at: now });
        moved++;
      }
    })();
    return moved;
  }

  get(alarmId: string): AlarmRecord | undefined {
    const r = this.db.prepare("SELECT * FROM alarms WHERE alarm_id = ?").get(alarmId) as
      | AlarmRow
      | undefined;
    return r ? toRecord(r) : undefined;
  }

  /** Newest first. */
  list(
    filter: { active?: boolean; acknowledged?: boolean; deviceId?: number; limit?: number } = {},
  ): AlarmRecord[] {
    const where: string[] = [];
    const args: number[] = [];
    if (filter.active !== undefined) {
      where.push("active = ?");
      args.push(filter.active ? 1 : 0);
    }
    if (filter.acknowledged !== undefined) {
      where.push("acknowledged = ?");
      args.push(filter.acknowledged ? 1 : 0);
    }
    if (filter.deviceId !== undefined) {
      where.push("device_id = ?");
      args.push(filter.deviceId);
    }
    const limit = Math.max(1, Math.min(filter.limit ?? 500, 10_000));
    const sql = `SELECT * FROM alarms ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ${limit}`;
    return (this.db.prepare(sql).all(...args) as AlarmRow[]).map(toRecord);
  }

  /** Deletes closed alarms (cleared and acknowledged) older than the retention. */
  prune(now: number): number {
    const cutoff = now - (this.opts.retentionDays ?? 90) * 86_400_000;
    const n = this.db
      .prepare("DELETE FROM alarms WHERE active = 0 AND acknowledged = 1 AND updated_at < ?")
      .run(cutoff).changes;
    this.stats.pruned += n;
    return n;
  }

  private transition(r: AlarmRow, kind: AlarmTransitionKind, now: number): AlarmTransition {
    const rec = toRecord(r);
    const t: AlarmTransition = {
      v: 1,
      site: this.opts.site,
      gateway: this.opts.gateway,
      ...rec,
      transition: kind,
      seq: 0,
      ts: now,
      historical: false,
    };
    return t;
  }

  /** Inside the caller's transaction: the outbox entry commits with the state change. */
  private emit(r: AlarmRow, kind: AlarmTransitionKind, now: number): void {
    this.opts.outbox?.append([alarmOutboxItem(this.transition(r, kind, now))]);
  }

  private requireLoaded(): void {
    if (!this.loaded) throw new Error("AlarmStore.load() must run first");
  }
}
