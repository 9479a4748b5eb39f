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

/** The payload with seq and historical set; a payload that is not a JSON object goes as it is. */
export function stampPayload(entry: OutboxEntry, historical: boolean): string {
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
