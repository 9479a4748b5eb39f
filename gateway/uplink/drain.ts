/**
 * Drains the outbox over one MQTT connection with a sliding window of QoS 1
 * publishes: as each PUBACK arrives the next entry goes out (a batch that
 * waited for all its PUBACKs would stall on Nagle + delayed ACK, ~40 ms per
 * window). Entries are removed only after their PUBACK, in groups (one
 * commit per group, not per entry). Entries leave in the outbox's order
 * (alarms first, per-key order). A broker that refuses a publish (PUBACK
 * reason code >= 0x80) ends the connection: everything unacknowledged is
 * sent again, in order, on the next one. MQTT 5 §4.6: PUBACKs come in the
 * order the PUBLISHes were sent, so acknowledged entries form a prefix.
 */
import type { MqttClient } from "mqtt";
import type { Logger } from "../../common/log.js";
import {
  type DrainableOutbox,
  type OutboxCursor,
  type OutboxEntry,
  type OutboxWalk,
  PRIORITY_ALARM,
  PRIORITY_TELEMETRY,
} from "../types.js";
import { type BatchOptions, batchable, groupLength, groupMessage } from "./batch.js";
import { isHistorical } from "./stamp.js";

export interface DrainStats {
  published: number;
  acked: number;
  /** Publishes that got no PUBACK (error reason code or the connection went). */
  unacked: number;
  historical: number;
  removeBatches: number;
  /** Messages that carried several envelopes (UplinkBatch). */
  batches?: number;
}

export interface DrainConnection {
  client: MqttClient;
  connectedAt: number;
  window: number;
  closed: boolean;
  onClose: Promise<void>;
  /** The SUBACK for request/+ arrived. */
  subscribed?: boolean;
  /** Set when the connection was ended because the broker refused a publish. */
  refused?: boolean;
}

export interface DrainDeps {
  outbox: DrainableOutbox;
  /** Several envelopes per message (batch.ts); undefined: one entry per message. */
  batch?: BatchOptions;
  stats: DrainStats;
  logger?: Logger;
  running(): boolean;
  pollMs: number;
}

/**
 * Seqs that may leave the outbox: acknowledged, and not after a refused
 * entry of the same key (that one is sent again first, and these after it).
 */
export function removable(
  acked: readonly OutboxEntry[],
  refused: readonly OutboxEntry[],
): number[] {
  const firstRefused = new Map<string, number>();
  for (const e of refused)
    firstRefused.set(e.key, Math.min(e.seq, firstRefused.get(e.key) ?? e.seq));
  return acked
    .filter((e) => !(e.seq > (firstRefused.get(e.key) ?? Number.POSITIVE_INFINITY)))
    .map((e) => e.seq);
}

/** Publishes an alarm may have in flight beyond the window (it never waits for a slot). */
const ALARM_RESERVE = 8;

export class Drainer {
  /** Seq of every entry in flight (alone or in a batch). */
  private readonly inflight = new Set<number>();
  private publishes = 0;
  /** Highest seq any peek returned: a refresh keeps the queue unless something urgent is newer. */
  private peekedMax = 0;
  private acked: OutboxEntry[] = [];
  private readonly ackedSeqs = new Set<number>();
  private readonly refused: OutboxEntry[] = [];
  private queue: OutboxEntry[] = [];
  private qi = 0;
  /** Where the walk goes on (outboxes with walk()): every entry before it was handed out. */
  private cursor: OutboxCursor | undefined;
  /** Highest seq of the alarms and events a complete look at them found. */
  private urgentMark = 0;
  /** Something was committed: look for new alarms and events before the next publish. */
  private urgentDue = false;
  /**
   * The last walk read to the outbox's end. The outbox gets new entries only
   * through a commit, and every commit that appends calls refresh(), so until
   * then (or until the idle poll) the drain does not read it again: not on a
   * PUBACK, not after the walk that found the end, not when it goes idle (in
   * the simulator's sandbox a drain made about 9 reads of the outbox per
   * entry before, most of them finding nothing, issue 15).
   */
  private dry = false;
  private signal: (() => void) | undefined;
  /** When (performance.now()) the batch at the head of the queue began to wait for more (batch.maxWaitMs). */
  private heldSince: number | undefined;
  private holdTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly deps: DrainDeps,
    private readonly conn: DrainConnection,
  ) {}

  /** New entries: look at the outbox again (an alarm may now come first). */
  refresh(): void {
    if (this.deps.outbox.walk) {
      this.urgentDue = true;
      this.dry = false;
      this.signal?.();
      return;
    }
    const urgent = this.deps.outbox.urgentAfter;
    let keep = false;
    if (urgent && this.qi < this.queue.length) {
      try {
        keep = !urgent.call(this.deps.outbox, this.peekedMax);
      } catch {
        keep = false;
      }
    }
    if (!keep) {
      this.queue = [];
      this.qi = 0;
    }
    this.signal?.();
  }

  async run(): Promise<void> {
    const { conn, deps } = this;
    const closed = conn.onClose.then(() => this.signal?.());
    while (deps.running() && !conn.closed) {
      this.fill();
      if (this.refused.length > 0) {
        deps.logger?.warn("broker refused a publish; reconnecting to send again in order", {
          seq: this.refused[0]!.seq,
        });
        this.flush();
        conn.refused = true;
        conn.client.end(true);
        break;
      }
      if (this.acked.length >= conn.window || (this.acked.length > 0 && this.publishes === 0)) {
        this.flush();
      }
      const idle = this.publishes === 0;
      // Idle: the next look starts from the beginning (an entry whose removal failed is there).
      if (idle && this.acked.length === 0 && this.qi >= this.queue.length) this.cursor = undefined;
      const polled = await this.wait(idle ? deps.pollMs : undefined);
      // The idle poll looks again, whether or not a commit said so.
      if (polled) {
        this.urgentDue = true;
        this.dry = false;
      }
    }
    void closed;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    // Stopping: let the publishes in flight get their PUBACKs (the broker answers in order).
    const deadline = Date.now() + 2000;
    while (!conn.closed && this.publishes > 0 && Date.now() < deadline) await this.wait(50);
    // PUBACKed entries may go even though the connection went.
    this.flush();
  }

  private fill(): void {
    const { conn, deps } = this;
    while (!conn.closed) {
      if (deps.outbox.walk) {
        if (!this.nextFromWalk()) return;
      } else if (this.qi >= this.queue.length) {
        if (this.publishes >= conn.window + ALARM_RESERVE) return;
        const limit = this.inflight.size + this.acked.length + this.pageSize();
        let page: OutboxEntry[];
        try {
          page = deps.outbox.peek(limit);
        } catch (e) {
          deps.logger?.error("outbox peek failed", { error: String(e) });
          return;
        }
        for (const e of page) if (e.seq > this.peekedMax) this.peekedMax = e.seq;
        this.queue = this.unsent(page);
        this.qi = 0;
        if (this.queue.length === 0) return;
      }
      const urgent = this.queue[this.qi]!.priority === PRIORITY_ALARM;
      if (this.publishes >= conn.window + (urgent ? ALARM_RESERVE : 0)) return;
      const n = groupLength(this.queue, this.qi, deps.batch, conn.connectedAt);
      if (this.holdForMore(n)) return;
      this.publish(this.queue.slice(this.qi, this.qi + n));
      this.qi += n;
    }
  }

  /**
   * A batch that is not full and ends where the queue ends waits for more
   * envelopes, up to batch.maxWaitMs from when it began to wait; new entries
   * join it (a commit's refresh reads them onto the queue). Anything else goes
   * at once: an alarm or another entry that cannot share a message, and a
   * batch that something follows in the queue (an alarm pulled forward, a
   * backlog envelope), since that one must not wait behind it.
   */
  private holdForMore(n: number): boolean {
    const batch = this.deps.batch;
    const waitMs = batch?.maxWaitMs ?? 0;
    if (
      !batch ||
      waitMs <= 0 ||
      n >= batch.maxEntries ||
      this.qi + n < this.queue.length ||
      !batchable(this.queue[this.qi]!)
    ) {
      // The wait is over once the entries that waited leave (those at the queue's end).
      if (this.qi + n >= this.queue.length) this.heldSince = undefined;
      return false;
    }
    const now = performance.now();
    this.heldSince ??= now;
    const left = this.heldSince + waitMs - now;
    if (left <= 0) {
      this.heldSince = undefined;
      return false;
    }
    this.holdTimer ??= setTimeout(() => {
      this.holdTimer = undefined;
      this.signal?.();
    }, left);
    return true;
  }

  /** Entries a batch may take at most, and a page of the outbox. */
  private pageSize(): number {
    const perMessage = this.deps.batch ? Math.max(1, this.deps.batch.maxEntries) : 1;
    return Math.min(Math.max(this.conn.window * 4, perMessage * 4), 4000);
  }

  /**
   * Makes queue[qi] the next entry to publish, reading the outbox from where
   * the walk is (not again from the start: the entries in flight are not read
   * again); new alarms and events first. False: nothing to publish now.
   */
  private nextFromWalk(): boolean {
    const { conn } = this;
    const outbox = this.deps.outbox as Required<Pick<DrainableOutbox, "walk">> & DrainableOutbox;
    // A commit (or the poll) since the last look: its alarms and events go first.
    if (this.urgentDue && this.publishes < conn.window + ALARM_RESERVE) {
      this.urgentDue = false;
      this.takeUrgent(outbox);
    }
    // The queue goes first; a batch waiting for more (holdForMore) also takes what a commit added.
    const waiting = this.qi < this.queue.length;
    if (waiting && (this.heldSince === undefined || this.dry)) return true;
    if (this.dry || this.publishes >= conn.window + ALARM_RESERVE) return waiting;
    let w: OutboxWalk;
    const page = this.pageSize();
    try {
      w = outbox.walk(this.cursor, page);
    } catch (e) {
      this.deps.logger?.error("outbox peek failed", { error: String(e) });
      return waiting;
    }
    this.cursor = w.cursor ?? this.cursor;
    // The waiting entries may come again: an event the look for alarms and events put on the
    // queue may lie after the cursor in the outbox's order.
    this.queue = ahead(this.queue.slice(this.qi), this.unsent(w.entries));
    this.qi = 0;
    // An outbox whose walk does not say (end undefined) is read again until a walk finds nothing.
    if (w.end ?? w.entries.length === 0) this.dry = true;
    return this.queue.length > 0;
  }

  /** New alarms and events (with their keys' older entries) go ahead of the queue. */
  private takeUrgent(outbox: Required<Pick<DrainableOutbox, "walk">> & DrainableOutbox): void {
    let w: OutboxWalk;
    const limit = this.pageSize() + this.inflight.size + this.acked.length;
    try {
      if (outbox.urgentAfter && !outbox.urgentAfter(this.urgentMark)) return;
      w = outbox.walk(undefined, limit, PRIORITY_TELEMETRY);
    } catch (e) {
      this.deps.logger?.error("outbox peek failed", { error: String(e) });
      return;
    }
    // Only a look that saw every alarm and event moves the mark (the rest have higher seqs).
    if (w.entries.length < limit)
      for (const e of w.entries)
        if (e.priority < PRIORITY_TELEMETRY && e.seq > this.urgentMark) this.urgentMark = e.seq;
    const fresh = this.unsent(w.entries);
    if (fresh.length === 0) return;
    this.queue = ahead(fresh, this.queue.slice(this.qi));
    this.qi = 0;
  }

  /** The entries neither in flight nor acknowledged (those are not handed out again). */
  private unsent(entries: OutboxEntry[]): OutboxEntry[] {
    return entries.filter((e) => !this.inflight.has(e.seq) && !this.ackedSeqs.has(e.seq));
  }

  private publish(group: OutboxEntry[]): void {
    const { conn, deps } = this;
    if (isHistorical(group[0]!, conn.connectedAt)) deps.stats.historical += group.length;
    deps.stats.published += group.length;
    if (group.length > 1) deps.stats.batches = (deps.stats.batches ?? 0) + 1;
    for (const e of group) this.inflight.add(e.seq);
    this.publishes++;
    const m = groupMessage(group, deps.batch, conn.connectedAt);
    // mqtt.js calls back for QoS 1 on the PUBACK; with an error for a reason code >= 0x80 or a closed connection.
    conn.client.publish(m.topic, m.payload, { qos: 1 }, (err) => {
      this.publishes--;
      for (const e of group) this.inflight.delete(e.seq);
      if (err) {
        deps.stats.unacked += group.length;
        if (!conn.closed && (err as { code?: number }).code !== undefined)
          this.refused.push(...group);
      } else {
        deps.stats.acked += group.length;
        for (const e of group) {
          this.acked.push(e);
          this.ackedSeqs.add(e.seq);
        }
      }
      this.signal?.();
    });
  }

  private flush(): void {
    if (this.acked.length === 0) return;
    const seqs = removable(this.acked, this.refused);
    try {
      this.deps.outbox.remove(seqs);
      this.deps.stats.removeBatches++;
    } catch (e) {
      this.deps.logger?.error("outbox remove failed", { error: String(e) });
      return;
    }
    for (const s of seqs) this.ackedSeqs.delete(s);
    const kept = new Set(seqs);
    this.acked = this.acked.filter((e) => !kept.has(e.seq));
  }

  /** Waits for a signal (a PUBACK, a commit, the connection closing) or the timeout: true on the timeout. */
  private wait(timeoutMs: number | undefined): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const t = timeoutMs === undefined ? undefined : setTimeout(() => done(true), timeoutMs);
      const self = this;
      function signalled() {
        done(false);
      }
      function done(timedOut: boolean) {
        if (t) clearTimeout(t);
        if (self.signal === signalled) self.signal = undefined;
        resolve(timedOut);
      }
      this.signal = signalled;
      if (this.conn.closed) done(false);
    });
  }
}

/** `first`, then the entries of `then` that are not in it: one queue, no entry twice. */
function ahead(first: OutboxEntry[], then: OutboxEntry[]): OutboxEntry[] {
  if (first.length === 0) return then;
  const seen = new Set(first.map((e) => e.seq));
  return first.concat(then.filter((e) => !seen.has(e.seq)));
}
