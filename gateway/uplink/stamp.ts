/**
 * Fills the fields an outbox entry gets only when it is published: `seq` (the
 * outbox sequence number, the idempotency key downstream) and `historical`
 * (delivered from a backlog after an outage).
 */
import type { OutboxEntry } from "../types.js";

/** An entry is historical when it was queued before the current connection came up. */
export function isHistorical(entry: OutboxEntry, connectedAt: number): boolean {
  return entry.createdAt < connectedAt;
}

/** The fixed head of an envelope written by pipeline/envelope.ts envelopeJson. */
const ENVELOPE_HEAD = '{"v":1,"site":';
const SEQ_FIELD = ',"seq":0,"counter":';
const HISTORICAL_FIELD = ',"historical":false,"receivers":';

/** A device envelope as envelopeJson writes it (what a batch may carry). */
export function isEnvelopePayload(payload: string): boolean {
  return payload.startsWith(ENVELOPE_HEAD);
}

/**
 * The payload with seq and historical set; a payload that is not a JSON object
 * goes as it is. An envelope as envelopeJson writes it is stamped by splicing
 * text (its seq and historical placeholders come before any nested value, and
 * a quote inside a JSON string is escaped, so the first match is the field);
 * anything else is parsed and written again.
 */
export function stampPayload(entry: OutboxEntry, historical: boolean): string {
  const p = entry.payload;
  if (p.startsWith(ENVELOPE_HEAD)) {
    const s = p.indexOf(SEQ_FIELD);
    const h = s < 0 ? -1 : p.indexOf(HISTORICAL_FIELD, s);
    if (h > 0) {
      return (
        `${p.slice(0, s)},"seq":${entry.seq},"counter":${p.slice(s + SEQ_FIELD.length, h)}` +
        `,"historical":${historical},"receivers":${p.slice(h + HISTORICAL_FIELD.length)}`
      );
    }
  }
  let body: unknown;
  try {
    body = JSON.parse(entry.payload);
  } catch {
    return entry.payload;
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) return entry.payload;
  const o = body as Record<string, unknown>;
  o.seq = entry.seq;
  o.historical = historical;
  return JSON.stringify(o);
}
