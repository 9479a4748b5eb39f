/**
 * Writes what the gateway and the cloud broker say into the trace: alarm
 * transitions (the gateway's own, and what reached the cloud, with `at` the
 * virtual time the alarm was raised or cleared), telemetry and events in the
 * cloud with their counter, seq and historical mark, status and responses.
 */
import type { Trace } from "../report/trace.js";
import type { VirtualClock } from "../time/virtual-clock.js";
import type { CloudMessage } from "./cloud.js";

export class CloudRecorder {
  constructor(
    private readonly trace: Trace,
    private readonly clock: VirtualClock,
    /** Scenario device name by device id hex. */
    private readonly nameByHex: Map<string, string>,
    private readonly startEpochMs: number,
  ) {}

  alarm(src: "gateway" | "cloud", p: Record<string, unknown>): void {
    const atEpoch = (
      p.transition === "cleared" ? p.clearedAt : p.transition === "raised" ? p.raisedAt : p.ts
    ) as number | undefined;
    this.trace.add({
      t: this.clock.nowMs,
      src,
      event: "alarm",
      device: this.nameByHex.get(String(p.deviceId)),
      transition: p.transition,
      kind: p.kind,
      alarmId: p.alarmId,
      port: p.port,
      severity: p.severity,
      evidence: p.evidence,
      level: p.level,
      acknowledgedBy: p.acknowledgedBy,
      historical: p.historical,
      at: (atEpoch ?? this.clock.now()) - this.startEpochMs,
    });
  }

  message(m: CloudMessage): void {
    const p = m.payload;
    const base = { t: this.clock.nowMs, src: "cloud" as const };
    if (m.kind === "alarm") {
      this.alarm("cloud", p);
    } else if (m.kind === "telemetry" || m.kind === "event") {
      this.trace.add({
        ...base,
        event: m.kind,
        device: this.nameByHex.get(m.deviceId ?? ""),
        counter: p.counter,
        seq: p.seq,
        historical: p.historical,
        body: p.body,
      });
    } else if (m.kind === "resident") {
      // A guardian resident's welfare state, as the cloud sees it (states and times only).
      this.trace.add({
        ...base,
        event: "resident",
        device: this.nameByHex.get(m.deviceId ?? ""),
        state: p.state,
        // When the state began in virtual time (its arrival may lag on a virtual clock).
        at: (p.since as number) - this.startEpochMs,
        keys: Object.keys(p).sort().join(","),
      });
    } else if (m.kind === "status" || m.kind === "response") {
      this.trace.add({ ...base, event: m.kind, payload: p });
    }
  }
}
