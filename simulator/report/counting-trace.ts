/**
 * A trace for long real-time runs (fleets): it keeps no records, only how many
 * of each kind there were, so memory stays flat for hours. Device uplinks are
 * counted by message name (`uplink:status`, `uplink:smoke-alarm`...), other
 * device records by event (`device:relay-off`, `device:sounding`...).
 */
import { Trace, type TraceRecord } from "./trace.js";

export class CountingTrace extends Trace {
  readonly counts = new Map<string, number>();

  override add(rec: TraceRecord): void {
    if (rec.src !== "device") return;
    const key =
      rec.event === "uplink"
        ? `uplink:${String(rec.name ?? rec.type ?? "unknown")}`
        : `device:${rec.event}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
}
