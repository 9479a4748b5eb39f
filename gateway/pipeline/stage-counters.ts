/**
 * A counter for every way a frame leaves the pipeline: accepted, or one of
 * gateway/types.ts DropReason, each attributed to the stage that dropped it.
 * Every reason exists from the start (at 0) so dashboards see all of them.
 */
import type { DropReason } from "../types.js";

export const DROP_STAGE: Record<DropReason, string> = {
  "bad-crc": "deframe",
  garbage: "deframe",
  oversize: "deframe",
  malformed: "decode",
  "wrong-direction": "decode",
  "unknown-device": "registry",
  decommissioned: "registry",
  "bad-mac": "verify",
  replayed: "counter",
  duplicate: "dedup",
  "rate-limited": "rate-limit",
};

export const DROP_REASONS = Object.keys(DROP_STAGE) as DropReason[];

export class StageCounters {
  /** Frames that entered the pipeline (after deframing). */
  received = 0;
  accepted = 0;
  /** Duplicates that were copies from another receiver, merged into the first copy. */
  merged = 0;
  /** Retries of an acked message (fresh counter, same payload): acked, not stored again. */
  retransmissions = 0;
  acksSent = 0;
  commitFailures = 0;
  hookErrors = 0;
  readonly dropped: Record<DropReason, number>;
  /** Decode failure detail (short, length, value, unknown-type, version, topic). */
  readonly malformed: Record<string, number> = {};

  constructor() {
    this.dropped = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<
      DropReason,
      number
    >;
  }

  drop(reason: DropReason, n = 1): void {
    this.dropped[reason] += n;
  }

  malformedDetail(detail: string): void {
    this.malformed[detail] = (this.malformed[detail] ?? 0) + 1;
  }

  /** Flat view for health JSON and MQTT health. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {
      received: this.received,
      accepted: this.accepted,
      merged: this.merged,
      retransmissions: this.retransmissions,
      acksSent: this.acksSent,
      commitFailures: this.commitFailures,
      hookErrors: this.hookErrors,
    };
    for (const r of DROP_REASONS) out[`dropped.${r}`] = this.dropped[r];
    return out;
  }
}
