/**
 * The per-frame path: decode -> registry -> MAC -> counter window -> merge
 * copies -> rate limit -> accept (rules hook) -> hold for the merge window ->
 * durable commit -> ack the device. Time is passed in; I/O is behind the
 * deps. Each exit is counted in StageCounters.
 */
import { decodeFrame, isDownlinkMsg, verifyFrame } from "../../protocol/codec.js";
import {
  FLAG_ACK_REQUESTED,
  FLAG_RETRANSMISSION,
  HEADER_LENGTH,
  MAC_LENGTH,
  OFFSET_TYPE,
} from "../../protocol/constants.js";
import type { HmacFn } from "../../protocol/hmac.js";
import type { ReceiverReading } from "../../protocol/uplink.js";
import type { CounterTable, DeviceWindow } from "../dedup/counter-table.js";
import { MergeWindow, type RecentFrame } from "../dedup/merge-window.js";
import type { CommitCallback, Scheduler } from "../outbox/group-committer.js";
import type { RegisteredDevice } from "../registry/registry.js";
import type { AcceptedMessage, DropReason } from "../types.js";
import type { RateLimiter } from "./rate-limit.js";
import type { StageCounters } from "./stage-counters.js";

/**
 * What one accepted frame asks the commit to write: its message and the window
 * that admitted it. A retransmission of a message already accepted brings only
 * its window (its counter must stay used after a restart).
 */
export interface AcceptedWork {
  message?: AcceptedMessage;
  /** The frame's bytes (the committer builds the envelope from them, off this thread). */
  frame?: Uint8Array;
  window: DeviceWindow;
}

export interface PipelineDeps {
  lookup(deviceId: number): RegisteredDevice | undefined;
  notePending(deviceId: number, receiver: string, now: number, typeCode?: number): void;
  noteHeard(deviceId: number, reading: ReceiverReading, now: number, batteryMv?: number): void;
  windows: CounterTable;
  limiter: RateLimiter;
  hmac: HmacFn;
  /** Checks a frame's MAC (default: protocol verifyFrame with `hmac`). */
  verify?(bytes: Uint8Array, key: Uint8Array): boolean;
  counters: StageCounters;
  commit(work: AcceptedWork, done: CommitCallback): void;
  /** Rules, live events. Runs before the commit so alarm commands leave at once. */
  onAccepted(msg: AcceptedMessage, now: number): void;
  /** The device just sent: it listens now (sleepy devices get their queued downlinks). */
  onHeard(deviceId: number, receiver: string, now: number): void;
  /** Sends the signed TYPE_ACK for `counter` on `receiver`'s link. */
  ack(deviceId: number, counter: number, receiver: string): void;
  /** Forged, replayed or otherwise rejected frames of a known device id (security rules). */
  onRejected?(deviceId: number, reason: DropReason, now: number): void;
  scheduler: Scheduler;
  clock(): number;
}

export interface PipelineOptions {
  /** How long an accepted frame waits for copies from other receivers before it is committed. */
  mergeWindowMs: number;
  /**
   * Whether a receiver's frames can have copies on other receivers worth the
   * merge window's wait (default: every receiver). A Wi-Fi device's frame
   * reaches the gateway only through the broker, so MQTT frames are
   * committed at once (no 30 ms hold in their latency).
   */
  mergesCopies?(receiver: string): boolean;
  /** How long (and how many) accepted frames are remembered for merging and re-acks. */
  recentKeepMs?: number;
  recentCap?: number;
  /** Upper bound on frames held for merging; beyond it they are committed at once. */
  holdCap?: number;
  /** Retry delay when a commit fails (the frame is not acked until it commits). */
  commitRetryMs?: number;
  /** A retransmission later than this after the original is treated as a new message. */
  retransmitWindowMs?: number;
  /** Devices whose last acked message is remembered for retransmission matching. */
  retransmitCap?: number;
}

interface Held {
  /** The accepted frame, or for a retransmission the original it repeats. */
  recent: RecentFrame;
  window: DeviceWindow;
  releaseAt: number;
  /** Set for a retransmission: only its window is written, then its own counter is acked. */
  retry?: { counter: number; receiver: string };
}

interface LastAcked {
  sig: string;
  recent: RecentFrame;
}

export class Pipeline {
  private readonly deps: PipelineDeps;
  private readonly opts: Required<PipelineOptions>;
  private readonly recent: MergeWindow;
  /** Per device, the last message that asked for an ack: its retries carry fresh counters. */
  private readonly lastAcked = new Map<number, LastAcked>();
  private held: Held[] = [];
  private heldHead = 0;
  /** Frames whose commit failed, in their original order; they go before everything held. */
  private retry: Held[] = [];
  private timer: unknown;
  private timerAt = 0;

  constructor(deps: PipelineDeps, opts: PipelineOptions) {
    this.deps = deps;
    this.opts = {
      recentKeepMs: 5_000,
      recentCap: 8_192,
      holdCap: 20_000,
      commitRetryMs: 1_000,
      retransmitWindowMs: 15 * 60_000,
      retransmitCap: 4096,
      mergesCopies: () => true,
      ...opts,
    };
    this.recent = new MergeWindow(this.opts.recentKeepMs, this.opts.recentCap);
  }

  /** A reloaded config's merge window (frames already held keep their release time). */
  setMergeWindowMs(ms: number): void {
    this.opts.mergeWindowMs = ms;
  }

  recentSize(): number {
    return this.recent.size();
  }

  heldCount(): number {
    return this.held.length - this.heldHead + this.retry.length;
  }

  /** One deframed frame from `reading.receiver`. */
  handleFrame(bytes: Uint8Array, reading: ReceiverReading, now: number): void {
    const d = this.deps;
    const c = d.counters;
    c.received++;
    const dec = decodeFrame(bytes);
    if (!dec.ok) {
      if (dec.reason === "oversize") c.drop("oversize");
      else {
        c.drop("malformed");
        c.malformedDetail(dec.reason);
      }
      return;
    }
    const frame = dec.frame;
    const msg = frame.msg;
    if (isDownlinkMsg(msg)) {
      c.drop("wrong-direction");
      return;
    }
    const dev = d.lookup(frame.deviceId);
    if (!dev) {
      d.notePending(frame.deviceId, reading.receiver, now, bytes[OFFSET_TYPE]);
      c.drop("unknown-device");
      return;
    }
    if (dev.status !== "active") {
      c.drop("decommissioned");
      return;
    }
    if (!(d.verify ? d.verify(bytes, dev.key) : verifyFrame(bytes, dev.key, d.hmac))) {
      c.drop("bad-mac");
      this.rejected(frame.deviceId, "bad-mac", now);
      return;
    }
    const ackRequested = (frame.flags & FLAG_ACK_REQUESTED) !== 0;
    const verdict = d.windows.check(frame.deviceId, frame.counter);
    if (verdict === "replay") {
      c.drop("replayed");
      this.rejected(frame.deviceId, "replayed", now);
      return;
    }
    if (verdict === "duplicate") {
      c.drop("duplicate");
      const first = this.recent.get(frame.deviceId, frame.counter);
      if (first && MergeWindow.merge(first, reading)) c.merged++;
      d.noteHeard(frame.deviceId, reading, now);
      this.heard(frame.deviceId, reading.receiver, now);
      if (ackRequested) {
        // A retransmission: our ack was lost. Ack again, but never before the first copy is durable.
        if (first && !first.committed) first.ackWanted = true;
        else this.sendAck(frame.deviceId, frame.counter, reading.receiver);
      }
      return;
    }
    if (!d.limiter.take(frame.deviceId, now)) {
      c.drop("rate-limited");
      return;
    }
    const sig = ackRequested ? signature(bytes) : "";
    if (ackRequested && (frame.flags & FLAG_RETRANSMISSION) !== 0) {
      // The device retries an unacknowledged message with a fresh counter and the same payload
      // (firmware link layer): one message, so no second entry and no second rule run.
      const prev = this.lastAcked.get(frame.deviceId);
      if (
        prev &&
        prev.sig === sig &&
        now - prev.recent.acceptedAt <= this.opts.retransmitWindowMs
      ) {
        const window = d.windows.accept(frame.deviceId, frame.counter);
        c.drop("duplicate");
        c.retransmissions++;
        MergeWindow.merge(prev.recent, reading);
        d.noteHeard(frame.deviceId, reading, now);
        this.heard(frame.deviceId, reading.receiver, now);
        this.hold(
          {
            recent: prev.recent,
            window,
            releaseAt: now,
            retry: { counter: frame.counter, receiver: reading.receiver },
          },
          now,
        );
        return;
      }
    }
    const window = d.windows.accept(frame.deviceId, frame.counter);
    const accepted: AcceptedMessage = {
      deviceId: frame.deviceId,
      deviceKind: dev.kind,
      counter: frame.counter,
      flags: frame.flags,
      msg: msg,
      receivedAt: now,
      receivers: [{ ...reading }],
    };
    if (dev.building !== undefined) accepted.building = dev.building;
    if (dev.location !== undefined) accepted.location = dev.location;
    if (dev.shed !== undefined) accepted.shed = dev.shed;
    const recent = MergeWindow.entry(accepted, bytes, now, ackRequested);
    this.recent.add(recent, now);
    if (ackRequested) this.rememberAcked(frame.deviceId, { sig, recent });
    c.accepted++;
    d.noteHeard(frame.deviceId, reading, now, "batteryMv" in msg ? msg.batteryMv : undefined);
    try {
      d.onAccepted(accepted, now);
    } catch {
      c.hookErrors++;
    }
    this.heard(frame.deviceId, reading.receiver, now);
    const wait = this.opts.mergesCopies(reading.receiver) ? this.opts.mergeWindowMs : 0;
    this.hold({ recent, window, releaseAt: now + wait }, now);
  }

  /** Commits every held frame now (shutdown, tests). */
  flushHeld(): void {
    this.releaseDue(Number.POSITIVE_INFINITY);
  }

  /** Stops the merge timer (held frames stay held until flushHeld). */
  stop(): void {
    if (this.timer !== undefined) this.deps.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private hold(h: Held, now: number): void {
    if (h.releaseAt <= now && this.retry.length === 0 && this.heldCount() === 0) {
      this.submit(h);
      return;
    }
    this.held.push(h);
    if (this.retry.length === 0 && this.heldCount() > this.opts.holdCap) this.submit(this.shift()!);
    this.arm(h.releaseAt);
  }

  private shift(): Held | undefined {
    if (this.heldHead >= this.held.length) return undefined;
    const h = this.held[this.heldHead++];
    if (this.heldHead > 1024 && this.heldHead * 2 > this.held.length) {
      this.held = this.held.slice(this.heldHead);
      this.heldHead = 0;
    }
    return h;
  }

  private arm(at: number): void {
    if (this.timer !== undefined && this.timerAt <= at) return;
    if (this.timer !== undefined) this.deps.scheduler.clearTimeout(this.timer);
    this.timerAt = at;
    const delay = Math.max(0, at - this.deps.clock());
    this.timer = this.deps.scheduler.setTimeout(() => {
      this.timer = undefined;
      this.releaseDue(this.deps.clock());
    }, delay);
  }

  private releaseDue(now: number): void {
    const r = this.retry[0];
    if (r) {
      if (r.releaseAt > now) {
        this.arm(r.releaseAt);
        return;
      }
      const again = this.retry;
      this.retry = [];
      for (const h of again) this.submit(h);
    }
    for (;;) {
      const h = this.held[this.heldHead];
      if (!h || h.releaseAt > now) break;
      this.shift();
      this.submit(h);
    }
    const next = this.held[this.heldHead];
    if (next && now !== Number.POSITIVE_INFINITY) this.arm(next.releaseAt);
  }

  private rememberAcked(deviceId: number, l: LastAcked): void {
    this.lastAcked.delete(deviceId);
    this.lastAcked.set(deviceId, l);
    if (this.lastAcked.size > this.opts.retransmitCap) {
      const oldest = this.lastAcked.keys().next().value as number;
      this.lastAcked.delete(oldest);
    }
  }

  private submit(h: Held): void {
    const work: AcceptedWork = h.retry ? { window: h.window } : messageWork(h);
    this.deps.commit(work, (err) => {
      if (err) {
        // Not durable, so not acked. Retry before anything newer, keeping the order in which
        // counters were accepted (a stored window never claims an uncommitted frame).
        this.deps.counters.commitFailures++;
        const at = this.deps.clock() + this.opts.commitRetryMs;
        this.retry.push({ ...h, releaseAt: at });
        this.arm(at);
        return;
      }
      const r = h.recent;
      const dev = r.deviceId;
      if (h.retry) {
        // Its counter is durable; the ack waits for the original message's commit.
        if (r.committed) this.sendAck(dev, h.retry.counter, h.retry.receiver);
        else r.extraAcks = [...(r.extraAcks ?? []), h.retry];
        return;
      }
      // the committer has its copy; the merge window keeps the device, counter and receivers
      MergeWindow.committed(r);
      if (r.ackWanted) {
        r.ackWanted = false;
        this.sendAck(dev, r.counter, bestReceiver(r.receivers));
      }
      if (r.extraAcks) {
        for (const x of r.extraAcks) this.sendAck(dev, x.counter, x.receiver);
        delete r.extraAcks;
      }
    });
  }

  private sendAck(deviceId: number, counter: number, receiver: string): void {
    try {
      this.deps.ack(deviceId, counter, receiver);
      this.deps.counters.acksSent++;
    } catch {
      this.deps.counters.hookErrors++;
    }
  }

  private heard(deviceId: number, receiver: string, now: number): void {
    try {
      this.deps.onHeard(deviceId, receiver, now);
    } catch {
      this.deps.counters.hookErrors++;
    }
  }

  private rejected(deviceId: number, reason: DropReason, now: number): void {
    try {
      this.deps.onRejected?.(deviceId, reason, now);
    } catch {
      this.deps.counters.hookErrors++;
    }
  }
}

/** What the committer stores for a held message: the message, its bytes, its counter window. */
function messageWork(h: Held): AcceptedWork {
  const { msg, frame } = h.recent;
  // Held messages are submitted before their commit (again only after a failed one), so the
  // merge window's entry still has the message; storing only the window would lose it.
  if (!msg) throw new Error("pipeline: a held message was submitted after its commit");
  return frame ? { message: msg, frame, window: h.window } : { message: msg, window: h.window };
}

/** Type code and payload of a frame (what a retransmission repeats), as text. */
function signature(bytes: Uint8Array): string {
  return (
    Buffer.from(bytes.subarray(HEADER_LENGTH, bytes.length - MAC_LENGTH)).toString("hex") +
    String(bytes[OFFSET_TYPE])
  );
}

/** The receiver with the strongest signal (the first one when none reports RSSI). */
export function bestReceiver(receivers: ReceiverReading[]): string {
  let best = receivers[0]!;
  for (const r of receivers) if ((r.rssi ?? -999) > (best.rssi ?? -999)) best = r;
  return best.receiver;
}
