/**
 * The alarm lifecycle on the gateway's SQLite file: active/cleared x
 * acknowledged/unacknowledged, severity, escalation levels. One alarm per
 * (device, port, kind) while it is active however many frames repeat it, so
 * a person never sees one event twice. Every transition is returned as an
 * AlarmTransition and, when an outbox is given, appended to it (priority
 * alarm) in the same transaction as the state change: both or neither.
 * State survives a restart (the active alarms are reloaded by `load`).
 *
 * Changes are written at once on `db`, or, with a `writer` (the gateway's
 * committer), as one group of the committer's next transaction, so a rule's
 * alarm never waits for an fsync on the main thread. Alarm ids come from
 * memory (the highest id ever used, read at load), and reads see the rows
 * written but not yet committed.
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
import { WriteExecutor, type WriteOp } from "../storage/write-ops.js";
import { type Action, type Outbox, type OutboxItem, PRIORITY_ALARM } from "../types.js";
import { insertOp, PRUNE_WHERE, updateOp } from "./alarm-writes.js";
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
  /**
   * Writes each change (alarm row and outbox entry: one group, one
   * transaction) asynchronously; `done` reports the commit. Without it,
   * changes are written on `db` (and `outbox`) before the call returns.
   */
  writer?: (ops: WriteOp[], done: (err?: Error) => void) => void;
  /** A change the writer failed to commit (the in-memory state already has it). */
  onWriteError?: (err: Error) => void;
}

export interface AlarmStoreStats {
  raised: number;
  /** Raises folded into an alarm that was already active. */
  repeats: number;
  cleared: number;
  acknowledged: number;
  escalated: number;
  pruned: number;
  writeFailures: number;
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
    writeFailures: 0,
  };
  private readonly db: GatewayDatabase;
  private readonly opts: AlarmStoreOptions;
  private policies: readonly EscalationPolicyConfig[];
  /** Active alarms by (device, port, kind): the de-duplication index. */
  private readonly active = new Map<string, AlarmRow>();
  private lastPruneAt = Number.NEGATIVE_INFINITY;
  private loaded = false;
  /** Highest alarm row id ever used (ids are never reused, even after a prune). */
  private lastId = 0;
  /** Rows handed to the writer and not yet committed, by alarm id: reads see them first. */
  private readonly unsettled = new Map<string, AlarmRow>();
  private local: WriteExecutor | undefined;

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
    const ids = this.db
      .prepare(
        "SELECT MAX(COALESCE((SELECT MAX(id) FROM alarms), 0), COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'alarms'), 0)) AS id",
      )
      .get() as { id: number };
    this.lastId = ids.id;
    this.loaded = true;
  }

  setEscalation(policies: readonly EscalationPolicyConfig[]): void {
    this.policies = policies;
  }

  activeCount(): number {
    return this.active.size;
  }

  /** Kinds of the device's active alarms of the given severities (firmware updates hold for them). */
  activeKinds(deviceId: number, severities: readonly string[]): string[] {
    const out: string[] = [];
    for (const r of this.active.values())
      if (r.device_id === deviceId && severities.includes(r.severity)) out.push(r.kind);
    return out;
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
    const id = this.lastId + 1;
    const row: AlarmRow = {
      id,
      alarm_id: `${this.opts.gateway}-${id}`,
      kind: a.kind,
      severity: a.severity,
      device_id: a.deviceId,
      port: a.port ?? NO_PORT,
      rule: a.rule,
      active: 1,
      acknowledged: 0,
      raised_at: now,
      cleared_at: null,
      acknowledged_at: null,
      acknowledged_by: null,
      comment: null,
      level: 0,
      evidence: a.evidence ?? null,
      location: this.opts.locate?.(a.deviceId) ?? null,
      updated_at: now,
    };
    this.persist([row], [insertOp(row), this.emit(row, "raised", now)]);
    this.lastId = id;
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
    this.persist([next], [updateOp(next), this.emit(next, "cleared", now)]);
    this.active.delete(key);
    this.stats.cleared++;
    return this.transition(next, "cleared", now);
  }

  ack(alarmId: string, by: string, comment: string | undefined, now: number): AckResult {
    this.requireLoaded();
    if (!by.trim()) return { ok: false, status: 400, error: "say who acknowledges (by)" };
    const r = this.row(alarmId);
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
    this.persist([next], [updateOp(next), this.emit(next, "acknowledged", now)]);
    const key = keyOf(r.device_id, r.port, r.kind);
    if (next.active === 1 && this.active.get(key)?.id === r.id) this.active.set(key, next);
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
      // One literal, no spread: on Node 20 `{ ...a, key }` costs microseconds per added key, and
      // this runs every second for every active alarm (75 lost detectors made it 0.7 ms a tick).
      const a = {
        kind: r.kind as AlarmKind,
        severity: r.severity as Severity,
        active: true,
        acknowledged: false,
        raisedAt: r.raised_at,
        level: r.level,
      };
      const policy = policyFor(a, this.policies);
      if (!policy) continue;
      const due = dueLevel(a, policy, now);
      if (due <= r.level) continue;
      let cur = r;
      const ops: WriteOp[] = [];
      const transitions: AlarmTransition[] = [];
      for (let level = r.level + 1; level <= due; level++) {
        cur = { ...cur, level, updated_at: now };
        ops.push(updateOp(cur), this.emit(cur, "escalated", now));
        transitions.push(this.transition(cur, "escalated", now));
      }
      this.persist([cur], ops);
      out.push(...transitions);
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
    const moving = [...this.active].filter(([, r]) => r.device_id === fromId);
    const rows = moving.map(([, r]) => ({ ...r, device_id: toId, updated_at: now }));
    if (rows.length > 0) this.persist(rows, rows.map(updateOp));
    for (const [key] of moving) this.active.delete(key);
    for (const r of rows) this.active.set(keyOf(toId, r.port, r.kind), r);
    return rows.length;
  }

  get(alarmId: string): AlarmRecord | undefined {
    const r = this.row(alarmId);
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
    const rows = this.db.prepare(sql).all(...args) as AlarmRow[];
    if (this.unsettled.size === 0) return rows.map(toRecord);
    // Rows not committed yet replace (or join) what the table says.
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const u of this.unsettled.values()) {
      const match =
        (filter.active === undefined || u.active === (filter.active ? 1 : 0)) &&
        (filter.acknowledged === undefined || u.acknowledged === (filter.acknowledged ? 1 : 0)) &&
        (filter.deviceId === undefined || u.device_id === filter.deviceId);
      if (match) byId.set(u.id, u);
      else byId.delete(u.id);
    }
    return [...byId.values()]
      .sort((a, b) => b.id - a.id)
      .slice(0, limit)
      .map(toRecord);
  }

  /** Deletes closed alarms (cleared and acknowledged) older than the retention. */
  prune(now: number): number {
    const cutoff = now - (this.opts.retentionDays ?? 90) * 86_400_000;
    const n = (
      this.db.prepare(`SELECT COUNT(*) AS n FROM alarms WHERE ${PRUNE_WHERE}`).get(cutoff) as {
        n: number;
      }
    ).n;
    if (n === 0) return 0;
    this.persist(
      [],
      [{ kind: "run", sql: `DELETE FROM alarms WHERE ${PRUNE_WHERE}`, rows: [[cutoff]] }],
    );
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

  /** The outbox entry of a change: written in the same group (transaction) as the row. */
  private emit(r: AlarmRow, kind: AlarmTransitionKind, now: number): WriteOp {
    return { kind: "append", items: [alarmOutboxItem(this.transition(r, kind, now))] };
  }

  /** Writes one change: its alarm rows and outbox entries together, or none of them. */
  private persist(rows: AlarmRow[], ops: WriteOp[]): void {
    const writer = this.opts.writer;
    if (!writer) {
      // Without an outbox (unit tests of other parts) only the alarm rows are written.
      const own = this.opts.outbox ? ops : ops.filter((o) => o.kind !== "append");
      this.local ??= new WriteExecutor(this.db, this.opts.outbox);
      this.local.apply(own);
      return;
    }
    for (const r of rows) this.unsettled.set(r.alarm_id, r);
    writer(ops, (err) => {
      for (const r of rows)
        if (this.unsettled.get(r.alarm_id) === r) this.unsettled.delete(r.alarm_id);
      if (err) {
        this.stats.writeFailures++;
        this.opts.onWriteError?.(err);
      }
    });
  }

  /** The newest state of an alarm: not yet committed, or in the table. */
  private row(alarmId: string): AlarmRow | undefined {
    return (
      this.unsettled.get(alarmId) ??
      (this.db.prepare("SELECT * FROM alarms WHERE alarm_id = ?").get(alarmId) as
        | AlarmRow
        | undefined)
    );
  }

  private requireLoaded(): void {
    if (!this.loaded) throw new Error("AlarmStore.load() must run first");
  }
}
