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
import type { DrainableOutbox, OutboxEntry } from "../types.js";
import { isHistorical, stampPayload } from "./stamp.js";

export interface DrainStats {
  published: number;
  acked: number;
  /** Publishes that got no PUBACK (error reason code or the connection went). */
  unacked: number;
  historical: number;
  removeBatches: number;
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

export class Drainer {
  private readonly inflight = new Map<number, OutboxEntry>();
  private acked: OutboxEntry[] = [];
  private readonly ackedSeqs = new Set<number>();
  private readonly refused: OutboxEntry[] = [];
  private queue: OutboxEntry[] = [];
  private qi = 0;
  private signal: (() => void) | undefined;

  constructor(
    private readonly deps: DrainDeps,
    private readonly conn: DrainConnection,
  ) {}

  /** New entries: look at the outbox again (an alarm may now come first). */
  refresh(): void {
    this.queue = [];
    this.qi = 0;
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
      if (this.acked.length >= conn.window || (this.acked.length > 0 && this.inflight.size === 0)) {
        this.flush();
      }
      const idle = this.inflight.size === 0;
      await this.wait(idle ? deps.pollMs : undefined);
    }
    void closed;
    // Stopping: let the publishes in flight get their PUBACKs (the broker answers in order).
    const deadline = Date.now() + 2000;
    while (!conn.closed && this.inflight.size > 0 && Date.now() < deadline) await this.wait(50);
    // PUBACKed entries may go even though the connection went.
    this.flush();
  }

  private fill(): void {
    const { conn, deps } = this;
    while (this.inflight.size < conn.window && !conn.closed) {
      if (this.qi >= this.queue.length) {
        const limit = this.inflight.size + this.acked.length + conn.window * 4;
        let page: OutboxEntry[];
        try {
          page = deps.outbox.peek(limit);
        } catch (e) {
          deps.logger?.error("outbox peek failed", { error: String(e) });
          return;
        }
        this.queue = page.filter((e) => !this.inflight.has(e.seq) && !this.ackedSeqs.has(e.seq));
        this.qi = 0;
        if (this.queue.length === 0) return;
      }
      this.publish(this.queue[this.qi++]!);
    }
  }

  private publish(e: OutboxEntry): void {
    const { conn, deps } = this;
    const historical = isHistorical(e, conn.connectedAt);
    if (historical) deps.stats.historical++;
    deps.stats.published++;
    this.inflight.set(e.seq, e);
    // mqtt.js calls back for QoS 1 on the PUBACK; with an error for a reason code >= 0x80 or a closed connection.
    conn.client.publish(e.topic, stampPayload(e, historical), { qos: 1 }, (err) => {
      this.inflight.delete(e.seq);
      if (err) {
        deps.stats.unacked++;
        if (!conn.closed && (err as { code?: number }).code !== undefined) this.refused.push(e);
      } else {
        deps.stats.acked++;
        this.acked.push(e);
        this.ackedSeqs.add(e.seq);
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

  private wait(timeoutMs: number | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = timeoutMs === undefined ? undefined : setTimeout(done, timeoutMs);
      const self = this;
      function done() {
        if (t) clearTimeout(t);
        if (self.signal === done) self.signal = undefined;
        resolve();
      }
      this.signal = done;
      if (this.conn.closed) done();
    });
  }
}
