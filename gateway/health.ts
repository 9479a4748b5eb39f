/**
 * Gateway health and Prometheus metrics, built from the parts' own stats.
 * Pure: every number is read from the sources passed in; `now` is given.
 */
import type { GatewayHealth, UnheardDevice } from "../protocol/uplink.js";
import type { DownlinkStats } from "./downlink/downlink-queue.js";
import { PromText } from "./http/prometheus.js";
import type { OutboxStats } from "./outbox/cap.js";
import type { GroupCommitterStats } from "./outbox/group-committer.js";
import { DROP_REASONS, DROP_STAGE, type StageCounters } from "./pipeline/stage-counters.js";
import type { DrainableOutbox } from "./types.js";

export interface ReceiverHealth {
  id: string;
  up: boolean;
  bytesIn?: number;
  bytesOut?: number;
  disconnects?: number;
  openFailures?: number;
  garbageBytes?: number;
  badCrc?: number;
  frames?: number;
}

export interface HealthSources {
  site: string;
  gateway: string;
  startedAt: number;
  uplink(): "connected" | "disconnected" | "disabled";
  outbox: DrainableOutbox & { readonly stats: OutboxStats };
  outboxCapBytes: number;
  committer: GroupCommitterStats;
  counters: StageCounters;
  receivers(): ReceiverHealth[];
  devices(): { active: number; decommissioned: number };
  pendingDevices(): number;
  /** Registered (active) devices no frame has been heard from yet. */
  unheard(): UnheardDevice[];
  activeAlarms(): number;
  downlinks: DownlinkStats;
  downlinkDepth(): number;
  mergeWindowSize(): number;
  heldFrames(): number;
  dedupDevices(): number;
  rules(): { count: number; failures: number; reloads: number; rejectedReloads: number };
  sse: { clients: number; sent: number; cutOff: number };
  /** Firmware-update outcomes (gateway/ota/ota-engine.ts), counted by name. */
  ota?(): Record<string, number>;
  /** Accepted frames not yet committed, and times the broker's telemetry was held for it. */
  commitBacklog?(): { frames: number; holds: number };
  /** The process's memory in bytes by area (rss, heap_used, new_space, ...). */
  memory?(): Record<string, number>;
}

/** The firmware-update counters as health counter names (`ota.refused`, `ota.forged`, ...). */
function otaCounters(s: HealthSources): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(s.ota?.() ?? {})) out[`ota.${k}`] = v;
  return out;
}

export function buildHealth(s: HealthSources, now: number) {
  const dev = s.devices();
  const base: GatewayHealth = {
    v: 1,
    site: s.site,
    gateway: s.gateway,
    ts: now,
    uplink: s.uplink() === "connected" ? "connected" : "disconnected",
    outboxDepth: s.outbox.depth(),
    oldestEntryAgeS: Math.round(s.outbox.oldestAgeS(now)),
    devices: dev.active,
    pendingDevices: s.pendingDevices(),
    activeAlarms: s.activeAlarms(),
    counters: { ...s.counters.snapshot(), ...otaCounters(s) },
    unheard: s.unheard(),
  };
  return {
    ...base,
    uplinkState: s.uplink(),
    uptimeS: Math.round((now - s.startedAt) / 1000),
    receivers: s.receivers(),
    outbox: { ...s.outbox.stats, capBytes: s.outboxCapBytes, committer: s.committer },
    downlinks: { ...s.downlinks, waiting: s.downlinkDepth() },
    rules: s.rules(),
  };
}

export function buildMetrics(s: HealthSources, now: number): string {
  const c = s.counters;
  const p = new PromText();
  p.counter(
    "haitang_gateway_frames_received_total",
    "Frames deframed and handed to the pipeline",
    c.received,
  );
  p.counter(
    "haitang_gateway_frames_accepted_total",
    "Frames accepted (decoded, verified, new)",
    c.accepted,
  );
  p.counter(
    "haitang_gateway_frames_dropped_total",
    "Frames that left the pipeline, by stage and reason",
    DROP_REASONS.map((r) => [{ stage: DROP_STAGE[r], reason: r }, c.dropped[r]]),
  );
  p.counter(
    "haitang_gateway_frames_malformed_total",
    "Malformed frames by decode failure",
    Object.entries(c.malformed).map(([k, v]) => [{ detail: k }, v]),
  );
  p.counter(
    "haitang_gateway_copies_merged_total",
    "Copies from other receivers merged into the first",
    c.merged,
  );
  p.counter(
    "haitang_gateway_retransmissions_total",
    "Retries of an acked message (fresh counter, same payload): acked, stored once",
    c.retransmissions,
  );
  p.counter("haitang_gateway_acks_sent_total", "Signed acks sent after commit", c.acksSent);
  p.counter(
    "haitang_gateway_commit_failures_total",
    "Accepted frames whose commit failed (retried)",
    c.commitFailures,
  );
  p.counter(
    "haitang_gateway_hook_errors_total",
    "Errors contained in rules, events or downlink hooks",
    c.hookErrors,
  );
  p.counter(
    "haitang_gateway_ota_total",
    "Firmware-update outcomes and frames (started, reported, refused, forged, corrupt, rolled back...)",
    Object.entries(s.ota?.() ?? {}).map(([k, v]) => [{ outcome: k }, v]),
  );
  const rx = s.receivers();
  p.gauge(
    "haitang_gateway_receiver_up",
    "1 when the receiver is connected",
    rx.map((r) => [{ receiver: r.id }, r.up ? 1 : 0]),
  );
  p.counter(
    "haitang_gateway_receiver_bytes_total",
    "Bytes read from a receiver",
    rx.filter((r) => r.bytesIn !== undefined).map((r) => [{ receiver: r.id }, r.bytesIn!]),
  );
  p.counter(
    "haitang_gateway_receiver_garbage_bytes_total",
    "Bytes outside any frame, per receiver",
    rx
      .filter((r) => r.garbageBytes !== undefined)
      .map((r) => [{ receiver: r.id }, r.garbageBytes!]),
  );
  p.counter(
    "haitang_gateway_receiver_disconnects_total",
    "Times a receiver went away",
    rx.filter((r) => r.disconnects !== undefined).map((r) => [{ receiver: r.id }, r.disconnects!]),
  );
  const mem = s.memory?.();
  if (mem)
    p.gauge(
      "haitang_gateway_memory_bytes",
      "Process memory by area (rss: resident, all threads; the rest the main thread's V8 heap)",
      Object.entries(mem).map(([k, v]) => [{ area: k }, v]),
    );
  p.gauge("haitang_gateway_outbox_depth", "Entries waiting in the outbox", s.outbox.depth());
  p.gauge(
    "haitang_gateway_outbox_oldest_age_seconds",
    "Age of the oldest outbox entry",
    s.outbox.oldestAgeS(now),
  );
  p.gauge("haitang_gateway_outbox_bytes", "Logical size of the outbox", s.outbox.stats.bytes);
  p.gauge("haitang_gateway_outbox_cap_bytes", "Disk cap of the outbox", s.outboxCapBytes);
  p.counter(
    "haitang_gateway_outbox_thinned_total",
    "Telemetry entries removed by thinning",
    s.outbox.stats.thinned,
  );
  p.counter(
    "haitang_gateway_outbox_dropped_total",
    "Telemetry entries dropped oldest-first",
    s.outbox.stats.dropped,
  );
  p.counter("haitang_gateway_commit_batches_total", "Grouped commits", s.committer.batches);
  p.counter(
    "haitang_gateway_committed_total",
    "Entries committed through grouped commits",
    s.committer.committed,
  );
  p.gauge(
    "haitang_gateway_uplink_connected",
    "1 when the cloud uplink is connected",
    s.uplink() === "connected" ? 1 : 0,
  );
  const dev = s.devices();
  p.gauge("haitang_gateway_devices", "Registered devices by status", [
    [{ status: "active" }, dev.active],
    [{ status: "decommissioned" }, dev.decommissioned],
  ]);
  p.gauge(
    "haitang_gateway_pending_devices",
    "Devices heard but not commissioned",
    s.pendingDevices(),
  );
  p.gauge("haitang_gateway_active_alarms", "Active alarms", s.activeAlarms());
  const d = s.downlinks;
  p.counter("haitang_gateway_downlinks_total", "Downlinks by outcome", [
    [{ outcome: "sent" }, d.sent],
    [{ outcome: "resent" }, d.resent],
    [{ outcome: "queued" }, d.queued],
    [{ outcome: "delivered-from-queue" }, d.deliveredFromQueue],
    [{ outcome: "confirmed" }, d.confirmed],
    [{ outcome: "expired" }, d.expired],
    [{ outcome: "overflow" }, d.overflow],
    [{ outcome: "gave-up" }, d.gaveUp],
    [{ outcome: "link-down" }, d.linkDown],
  ]);
  p.gauge(
    "haitang_gateway_downlinks_waiting",
    "Downlinks waiting for sleepy devices",
    s.downlinkDepth(),
  );
  p.gauge(
    "haitang_gateway_merge_window_entries",
    "Recently accepted frames kept for merging",
    s.mergeWindowSize(),
  );
  p.gauge(
    "haitang_gateway_held_frames",
    "Accepted frames waiting for the merge window",
    s.heldFrames(),
  );
  const backlog = s.commitBacklog?.();
  if (backlog) {
    p.gauge(
      "haitang_gateway_commit_backlog_frames",
      "Accepted frames waiting for their commit (queued and in flight)",
      backlog.frames,
    );
    p.counter(
      "haitang_gateway_ingest_holds_total",
      "Times the external broker's telemetry was held because the commit backlog was high",
      backlog.holds,
    );
  }
  p.gauge("haitang_gateway_dedup_devices", "Devices with a counter window", s.dedupDevices());
  const r = s.rules();
  p.gauge("haitang_gateway_rules", "Rules running", r.count);
  p.counter("haitang_gateway_rule_failures_total", "Exceptions contained in rules", r.failures);
  p.counter("haitang_gateway_config_reloads_total", "Config reloads by outcome", [
    [{ outcome: "applied" }, r.reloads],
    [{ outcome: "rejected" }, r.rejectedReloads],
  ]);
  p.gauge("haitang_gateway_sse_clients", "Live-event clients", s.sse.clients);
  p.gauge("haitang_gateway_uptime_seconds", "Seconds since start", (now - s.startedAt) / 1000);
  return p.toString();
}
