/**
 * The batch envelope (protocol/uplink.ts UplinkBatch): consecutive device
 * envelopes of the outbox in one MQTT message, so a busy gateway pays one
 * publish and one PUBACK for many frames. Which entries may share a message
 * is decided here, purely: never an alarm (an alarm is published alone, at
 * once), never live and backlog entries together, and at most `maxEntries`
 * entries and `maxBytes` of payload. How long a batch that is not full waits
 * for more (`maxWaitMs`) is the drain's affair (drain.ts holdForMore): at a
 * quiet site an envelope still goes alone on its own topic, that much later.
 */
import { topics } from "../../protocol/uplink.js";
import { type OutboxEntry, PRIORITY_ALARM } from "../types.js";
import { isEnvelopePayload, isHistorical, stampPayload } from "./stamp.js";

export interface BatchOptions {
  site: string;
  gateway: string;
  /** Most envelopes in one message (1: no batches). */
  maxEntries: number;
  /** Most bytes of envelopes in one message (one bigger envelope still goes, alone). */
  maxBytes: number;
  /**
   * Longest a batch that is not full waits for more envelopes (ms, real time;
   * 0: it goes at once with what is committed). Never an alarm, and never a
   * batch that something else (an alarm, a backlog envelope) follows.
   */
  maxWaitMs?: number;
}

/** A device envelope (dev/{id}/telemetry or event) that is not an alarm: may share a message. */
export function batchable(e: OutboxEntry): boolean {
  return (
    e.priority !== PRIORITY_ALARM &&
    (e.topic.endsWith("/telemetry") || e.topic.endsWith("/event")) &&
    isEnvelopePayload(e.payload)
  );
}

/**
 * How many entries from `queue[start]` go in the next message: 1 for an
 * alarm, anything not an envelope, or when batches are off; else the run of
 * batchable entries with the same historical flag, within the bounds.
 */
export function groupLength(
  queue: readonly OutboxEntry[],
  start: number,
  opts: BatchOptions | undefined,
  connectedAt: number,
): number {
  const first = queue[start]!;
  if (!opts || opts.maxEntries <= 1 || !batchable(first)) return 1;
  const historical = isHistorical(first, connectedAt);
  let bytes = first.payload.length;
  let n = 1;
  while (n < opts.maxEntries && start + n < queue.length) {
    const e = queue[start + n]!;
    if (!batchable(e) || isHistorical(e, connectedAt) !== historical) break;
    if (bytes + e.payload.length + 1 > opts.maxBytes) break;
    bytes += e.payload.length + 1;
    n++;
  }
  return n;
}

/** The MQTT topic and payload of a group: a lone entry as it is, several as an UplinkBatch. */
export function groupMessage(
  group: readonly OutboxEntry[],
  opts: BatchOptions | undefined,
  connectedAt: number,
): { topic: string; payload: string } {
  const first = group[0]!;
  const historical = isHistorical(first, connectedAt);
  if (group.length === 1 || !opts) {
    return { topic: first.topic, payload: stampPayload(first, historical) };
  }
  let s =
    `{"v":1,"site":${JSON.stringify(opts.site)},"gateway":${JSON.stringify(opts.gateway)}` +
    `,"historical":${historical},"envelopes":[`;
  for (let i = 0; i < group.length; i++) {
    if (i > 0) s += ",";
    s += stampPayload(group[i]!, historical);
  }
  return { topic: topics.batch(opts.site, opts.gateway), payload: `${s}]}` };
}
