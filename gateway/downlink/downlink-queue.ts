/**
 * Signed downlinks to devices. Mains devices get them at once on the link
 * that heard them last. Sleepy (battery) devices listen only briefly after
 * they send, so their downlinks wait here and leave in the listening window
 * right after the device's next uplink (deviceHeard). Fire and other sound
 * commands jump the queue; they are also tried at once, in case the device is
 * listening already. Queues are short and expire, so memory stays bounded.
 */
import { encodeFrame } from "../../protocol/codec.js";
import { frameBytes } from "../../protocol/framing.js";
import type { HmacFn } from "../../protocol/hmac.js";
import type { DownlinkMsg } from "../../protocol/messages.js";
import type { RegisteredDevice } from "../registry/registry.js";
import type { Priority } from "../types.js";
import type { DownlinkCounterStore } from "./counter-store.js";
import type { LinkTable } from "./link.js";

export interface DownlinkRequest {
  msg: DownlinkMsg;
  priority: Priority;
  reason: string;
}

interface Queued extends DownlinkRequest {
  queuedAt: number;
  /** Queue rank: sound commands first, then by priority, then age. */
  rank: number;
}

export type SendOutcome = "sent" | "queued" | "unknown-device" | "no-link";

export interface DownlinkStats {
  sent: number;
  queued: number;
  deliveredFromQueue: number;
  expired: number;
  overflow: number;
  linkDown: number;
}

export interface DownlinkQueueOptions {
  /** Queued downlinks older than this are dropped (counted as expired). */
  ttlMs?: number;
  /** Most downlinks waiting for one device; the least urgent is dropped beyond it. */
  perDeviceCap?: number;
}

export interface DownlinkDeps {
  lookup(deviceId: number): RegisteredDevice | undefined;
  counters: DownlinkCounterStore;
  links: LinkTable;
  hmac: HmacFn;
  /** Called for each downlink that left (live events, latency benchmarks). */
  onSent?(deviceId: number, msg: DownlinkMsg, linkId: string, counter: number): void;
}

function rankOf(r: DownlinkRequest): number {
  return (r.msg.type === "sound" ? 0 : 10) + r.priority;
}

export class DownlinkQueue {
  readonly stats: DownlinkStats = {
    sent: 0,
    queued: 0,
    deliveredFromQueue: 0,
    expired: 0,
    overflow: 0,
    linkDown: 0,
  };
  private readonly deps: DownlinkDeps;
  private readonly ttlMs: number;
  private readonly cap: number;
  private readonly queues = new Map<number, Queued[]>();

  constructor(deps: DownlinkDeps, opts: DownlinkQueueOptions = {}) {
    this.deps = deps;
    this.ttlMs = opts.ttlMs ?? 15 * 60_000;
    this.cap = opts.perDeviceCap ?? 16;
  }

  /** Sends or queues a downlink for a device. */
  send(deviceId: number, req: DownlinkRequest, now: number): SendOutcome {
    const dev = this.deps.lookup(deviceId);
    if (dev?.status !== "active") return "unknown-device";
    const linkId = dev.lastReceiver;
    if (!dev.sleepy && linkId !== undefined && this.transmit(dev, req.msg, linkId)) return "sent";
    if (dev.sleepy && req.msg.type === "sound" && linkId !== undefined) {
      // Best effort now; the queued copy is the one that counts.
      this.transmit(dev, req.msg, linkId);
    }
    this.enqueue(deviceId, req, now);
    return linkId === undefined ? "no-link" : "queued";
  }

  /** Signs and sends a TYPE_ACK for `ackedCounter` on `receiver` at once. */
  ack(deviceId: number, ackedCounter: number, receiver: string): boolean {
    const dev = this.deps.lookup(deviceId);
    if (!dev) return false;
    return this.transmit(dev, { type: "ack", ackedCounter }, receiver);
  }

  /** The device just sent on `receiver`: it listens now, so deliver what waits for it. */
  deviceHeard(deviceId: number, receiver: string, now: number): number {
    const q = this.queues.get(deviceId);
    if (!q || q.length === 0) return 0;
    const dev = this.deps.lookup(deviceId);
    if (!dev) {
      this.queues.delete(deviceId);
      return 0;
    }
    this.queues.delete(deviceId);
    let n = 0;
    const keep: Queued[] = [];
    for (const item of q) {
      if (now - item.queuedAt > this.ttlMs) {
        this.stats.expired++;
        continue;
      }
      if (this.transmit(dev, item.msg, receiver)) {
        n++;
        this.stats.deliveredFromQueue++;
      } else keep.push(item);
    }
    if (keep.length > 0) this.queues.set(deviceId, keep);
    return n;
  }

  /** Downlinks waiting for one device (or every device), most urgent first. */
  pending(
    deviceId?: number,
  ): Array<{ deviceId: number; msg: DownlinkMsg; reason: string; queuedAt: number }> {
    const out = [];
    for (const [id, q] of this.queues) {
      if (deviceId !== undefined && id !== deviceId) continue;
      for (const it of q)
        out.push({ deviceId: id, msg: it.msg, reason: it.reason, queuedAt: it.queuedAt });
    }
    return out;
  }

  depth(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  /** Drops expired entries (call from a slow timer). */
  expire(now: number): void {
    for (const [id, q] of this.queues) {
      const keep = q.filter((it) => now - it.queuedAt <= this.ttlMs);
      this.stats.expired += q.length - keep.length;
      if (keep.length === 0) this.queues.delete(id);
      else this.queues.set(id, keep);
    }
  }

  /** Reserves downlink counters for a newly registered device ahead of its first ack. */
  prepare(deviceId: number): void {
    this.deps.counters.ensure(deviceId);
  }

  /** Moves waiting downlinks to replacement hardware. */
  move(fromId: number, toId: number): void {
    const q = this.queues.get(fromId);
    if (!q) return;
    this.queues.delete(fromId);
    this.queues.set(toId, [...(this.queues.get(toId) ?? []), ...q]);
  }

  private enqueue(deviceId: number, req: DownlinkRequest, now: number): void {
    const q = this.queues.get(deviceId) ?? [];
    // One pending sound command per device: a newer one (fire -> hush -> stop) replaces it.
    const filtered = req.msg.type === "sound" ? q.filter((it) => it.msg.type !== "sound") : q;
    filtered.push({ ...req, queuedAt: now, rank: rankOf(req) });
    filtered.sort((a, b) => a.rank - b.rank || a.queuedAt - b.queuedAt);
    while (filtered.length > this.cap) {
      filtered.pop();
      this.stats.overflow++;
    }
    this.queues.set(deviceId, filtered);
    this.stats.queued++;
  }

  private transmit(dev: RegisteredDevice, msg: DownlinkMsg, linkId: string): boolean {
    const link = this.deps.links.get(linkId);
    if (!link?.isUp()) {
      this.stats.linkDown++;
      return false;
    }
    const counter = this.deps.counters.take(dev.deviceId);
    const bytes = frameBytes(
      encodeFrame({ deviceId: dev.deviceId, counter, flags: 0, msg }, dev.key, this.deps.hmac),
    );
    if (!link.send(dev.deviceId, bytes)) {
      this.stats.linkDown++;
      return false;
    }
    this.stats.sent++;
    this.deps.onSent?.(dev.deviceId, msg, linkId, counter);
    return true;
  }
}
