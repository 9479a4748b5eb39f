/**
 * Rejected uplinks: counted by reason, and logged with topic and reason — at
 * most 20 per reason per 10 s, so a misbehaving gateway cannot flood the log
 * (the rest are counted and summarised).
 */
import type { Logger } from "../../common/log.js";
import type { MetricsRegistry } from "../metrics/registry.js";

const WINDOW_MS = 10_000;
const PER_WINDOW = 20;

export class RejectLog {
  private readonly budget = new Map<
    string,
    { windowStart: number; logged: number; suppressed: number }
  >();
  private readonly rejected;

  constructor(
    private readonly log: Logger,
    metrics: MetricsRegistry,
  ) {
    this.rejected = metrics.counter(
      "haitang_bridge_rejected_total",
      "Uplinks rejected (and acknowledged), by reason",
    );
  }

  reject(topic: string, reason: string, detail: string, now: number): void {
    this.rejected.inc({ reason });
    let b = this.budget.get(reason);
    if (!b || now - b.windowStart > WINDOW_MS) {
      if (b && b.suppressed > 0)
        this.log.warn("uplink rejections not logged", { reason, suppressed: b.suppressed });
      b = { windowStart: now, logged: 0, suppressed: 0 };
      this.budget.set(reason, b);
    }
    if (b.logged < PER_WINDOW) {
      b.logged++;
      this.log.warn("uplink rejected", { topic, reason, detail });
    } else {
      b.suppressed++;
    }
  }
}
