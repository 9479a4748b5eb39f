/**
 * Signed downlinks to devices, sent on the link that heard the device last.
 * A command is signed once; every resend is the same bytes (same counter), so
 * a device that already acted only answers its command-ack again (firmware
 * link layer). A command stays here until the device's command-ack names its
 * counter, it expires, or it was sent too often.
 *
 * - Mains devices listen all the time: sent at once, resent a few times until
 *   the command-ack arrives.
 * - Sleepy (battery) devices listen for a window after each uplink and, for
 *   detectors, on a schedule (listenEveryS). Their commands wait here and leave
 *   in the window right after the device's next uplink (deviceHeard). Sound
 *   commands (interlinked fire, hush, stop) jump the queue and are also resent
 *   every repeatEveryMs (derived from the detectors' listening window:
 *   interlink-budget.ts) on every serial receiver until the command-ack or a
 *   newer sound command replaces them: never given up, and never expired,
 *   while a fire goes on (HAZARDS.md: every detector of the building within
 *   10 s, also through loss and a noisy line). Detectors holding their
 *   building's group key are sounded by one group frame per building
 *   (group-sounder.ts); their own resends start only if they are missing
 *   from its acknowledgements.
 * Queues are short and expire, so memory stays bounded. With a store
 * (queue-store.ts) the waiting commands survive a restart (`restore`).
 */
import { encodeFrame } from "../../protocol/codec.js";
import { frameBytes } from "../../protocol/framing.js";
import type { HmacFn } from "../../protocol/hmac.js";
import type { DownlinkMsg } from "../../protocol/messages.js";
import type { RegisteredDevice } from "../registry/registry.js";
import type { Priority } from "../types.js";
import type { DownlinkCounterStore } from "./counter-store.js";
import type { GroupSounder } from "./group-sounder.js";
import type { LinkTable } from "./link.js";
import type { DownlinkQueueStore } from "./queue-store.js";
import { ResendSchedule } from "./resend-schedule.js";

export interface DownlinkRequest {
  msg: DownlinkMsg;
  priority: Priority;
  reason: string;
}

interface Queued extends DownlinkRequest {
  /** Row id in the store (when there is one). */
  id?: number;
  queuedAt: number;
  /** Queue rank: sound commands first, then by priority, then age. */
  rank: number;
  signed?: { counter: number; bytes: Uint8Array };
  sends: number;
  /** Resend the signed bytes every repeatEveryMs until then (urgent and mains commands). */
  repeatUntil?: number;
  nextRepeatAt?: number;
  /** Resends on a sleepy device's urgent schedule: bounded by urgentRepeatForMs, not maxSends. */
  scheduledSends?: number;
  /** Covered by a group sounding: its own resends start then, if it has not acknowledged. */
  retargetAt?: number;
}

export type SendOutcome = "sent" | "queued" | "unknown-device" | "no-link";

export interface DownlinkStats {
  sent: number;
  resent: number;
  queued: number;
  deliveredFromQueue: number;
  confirmed: number;
  expired: number;
  overflow: number;
  gaveUp: number;
  linkDown: number;
  /** Bulk frames (firmware-update chunks and controls) sent once, never queued. */
  bulk: number;
}

export interface DownlinkQueueOptions {
  /** Commands older than this are dropped (counted as expired). */
  ttlMs?: number;
  /** Most commands waiting for one device; the least urgent is dropped beyond it. */
  perDeviceCap?: number;
  /** Resend interval of urgent commands to sleepy devices: below their listening window. */
  repeatEveryMs?: number;
  /**
   * How long urgent commands are resent to a sleepy device when no command-ack
   * comes. Unbounded by default: a sounding is resent until the detector
   * confirms it or a newer one (hush, stop) replaces it.
   */
  urgentRepeatForMs?: number;
  /** Resend interval and count for mains devices until the command-ack arrives. */
  mainsRepeatEveryMs?: number;
  mainsMaxSends?: number;
  /** A command sent this often without a command-ack is given up. */
  maxSends?: number;
  /** Resend interval of urgent commands to wake-on-radio devices (each copy after a preamble). */
  worRepeatEveryMs?: number;
}

export interface DownlinkDeps {
  lookup(deviceId: number): RegisteredDevice | undefined;
  counters: DownlinkCounterStore;
  links: LinkTable;
  hmac: HmacFn;
  /** A device's command-ack confirmed a command, with its result (COMMAND_RESULT_*). */
  onConfirmed?(deviceId: number, msg: DownlinkMsg, result: number): void;
  /** Called for the first transmission of each downlink (live events, latency benchmarks). */
  onSent?(deviceId: number, msg: DownlinkMsg, linkId: string, counter: number): void;
  /** Keeps waiting commands across restarts. */
  store?: DownlinkQueueStore;
  /**
   * The building group sounding: a sound command for a detector holding its
   * building's group key rides on one group frame per building, and its own
   * resends start only when it has not acknowledged that in time.
   */
  groups?: GroupSounder;
  /**
   * The wake-up preamble a device needs before a frame it is not listening
   * for (a wake-on-radio detector: listen-modes.ts); 0 or absent for the rest.
   */
  preambleMs?(dev: RegisteredDevice): number;
}

function rankOf(r: DownlinkRequest): number {
  return (r.msg.type === "sound" ? 0 : 10) + r.priority;
}

export class DownlinkQueue {
  readonly stats: DownlinkStats = {
    sent: 0,
    resent: 0,
    queued: 0,
    deliveredFromQueue: 0,
    confirmed: 0,
    expired: 0,
    overflow: 0,
    gaveUp: 0,
    linkDown: 0,
    bulk: 0,
  };
  private readonly deps: DownlinkDeps;
  private readonly o: Required<DownlinkQueueOptions>;
  private readonly queues = new Map<number, Queued[]>();
  /** Commands on a resend schedule, by when they are next due (tick looks only at those). */
  private readonly schedule = new ResendSchedule<Queued>();

  constructor(deps: DownlinkDeps, opts: DownlinkQueueOptions = {}) {
    this.deps = deps;
    this.o = {
      ttlMs: 15 * 60_000,
      perDeviceCap: 16,
      repeatEveryMs: 800,
      urgentRepeatForMs: Number.POSITIVE_INFINITY,
      // A charger answers a command within about 0.1 s on its bus (its gap, backoff and
      // frame at 9,600 baud): a copy lost to line noise is sent again after 0.5 s, not 2 s.
      mainsRepeatEveryMs: 500,
      mainsMaxSends: 8,
      maxSends: 30,
      worRepeatEveryMs: 2520,
      ...opts,
    };
  }

  /** Sends or queues a command for a device. */
  send(deviceId: number, req: DownlinkRequest, now: number): SendOutcome {
    const dev = this.deps.lookup(deviceId);
    if (dev?.status !== "active") return "unknown-device";
    const linkId = dev.lastReceiver;
    const item = this.enqueue(deviceId, req, now);
    if (!item) return "queued";
    // A sleeping detector never heard yet (its first frames lost) is still reachable by radio.
    if (linkId === undefined && !(dev.sleepy && req.msg.type === "sound")) return "no-link";
    if (!dev.sleepy && linkId !== undefined) {
      item.repeatUntil = now + this.o.mainsRepeatEveryMs * (this.o.mainsMaxSends - 1);
      item.nextRepeatAt = now + this.o.mainsRepeatEveryMs;
      this.schedule.push(item.nextRepeatAt, deviceId, item);
      return this.transmit(dev, item, linkId) ? "sent" : "queued";
    }
    if (req.msg.type === "sound") {
      const group = this.deps.groups?.cover(dev, req.msg, now);
      if (group === "acked") {
        // It acknowledged the building's running sounding of this mode already.
        this.remove(deviceId, item);
        this.stats.confirmed++;
        return "sent";
      }
      item.repeatUntil = now + this.o.urgentRepeatForMs;
      // Under a group sounding its own resends wait until it is missing from the acknowledgements.
      item.nextRepeatAt = group ? group.retargetAt : now + this.sleepyRepeatMs(dev);
      if (group) item.retargetAt = group.retargetAt;
      this.schedule.push(item.nextRepeatAt, deviceId, item);
      if (group) return "sent";
      // Best effort now (it may be listening); resent until it lands in a listening window.
      this.everywhere(dev, item, linkId);
    }
    return "queued";
  }

  /** Signs and sends a TYPE_ACK for `ackedCounter` on `receiver` at once (acks are never queued). */
  ack(deviceId: number, ackedCounter: number, receiver: string): boolean {
    const dev = this.deps.lookup(deviceId);
    if (!dev) return false;
    const link = this.deps.links.get(receiver);
    if (!link?.isUp()) {
      this.stats.linkDown++;
      return false;
    }
    const counter = this.deps.counters.take(deviceId);
    const bytes = frameBytes(
      encodeFrame(
        { deviceId, counter, flags: 0, msg: { type: "ack", ackedCounter } },
        dev.key,
        this.deps.hmac,
      ),
    );
    return link.send(deviceId, bytes);
  }

  /** The device confirmed the command sent with `counter` (its command-ack's result). */
  commandAcked(deviceId: number, counter: number, result = 0): boolean {
    const q = this.queues.get(deviceId);
    if (!q) return false;
    const i = q.findIndex((it) => it.signed?.counter === counter);
    if (i < 0) return false;
    const [done] = q.splice(i, 1);
    this.forget([done!]);
    this.stats.confirmed++;
    if (q.length === 0) this.queues.delete(deviceId);
    const dev = done!.msg.type === "sound" ? this.deps.lookup(deviceId) : undefined;
    if (dev) this.deps.groups?.confirmed(dev);
    this.deps.onConfirmed?.(deviceId, done!.msg, result);
    return true;
  }

  /**
   * The detector acknowledged its building's group sounding with `counter`
   * (TYPE_GROUP_ACK): its own sound command is done too.
   */
  groupAcked(deviceId: number, counter: number): boolean {
    const dev = this.deps.lookup(deviceId);
    if (!dev || !this.deps.groups?.acked(dev, counter)) return false;
    const item = this.queues.get(deviceId)?.find((it) => it.retargetAt !== undefined);
    if (item) {
      this.remove(deviceId, item);
      this.stats.confirmed++;
    }
    return true;
  }

  /** The device just sent on `receiver`: it listens now, so deliver what waits for it. */
  deviceHeard(deviceId: number, receiver: string, now: number): number {
    const q = this.queues.get(deviceId);
    if (!q || q.length === 0) return 0;
    const dev = this.deps.lookup(deviceId);
    if (!dev) {
      this.queues.delete(deviceId);
      this.forget(q);
      return 0;
    }
    let n = 0;
    for (const item of [...q]) {
      if (this.expired(item, now)) {
        this.remove(deviceId, item);
        this.stats.expired++;
        continue;
      }
      const first = item.signed === undefined;
      // A mains device heard the first copy; its resends follow tick's schedule, not its uplinks.
      if (!dev.sleepy && !first) continue;
      if (this.transmit(dev, item, receiver)) {
        n++;
        if (first) this.stats.deliveredFromQueue++;
      }
    }
    return n;
  }

  /** Resends scheduled commands and gives up on old ones; call every ~100 ms. */
  tick(now: number): void {
    // Receivers that sent a wake-up preamble in this tick: the frames right behind it need none.
    const woken = new Set<string>();
    this.deps.groups?.tick(now, woken);
    for (;;) {
      const due = this.schedule.popDue(now);
      if (!due) return;
      const { deviceId: id, item } = due;
      // Skip commands that left the queue or were rescheduled since this entry was made.
      if (item.nextRepeatAt !== due.at || !this.queues.get(id)?.includes(item)) continue;
      const dev = this.deps.lookup(id);
      if (item.repeatUntil === undefined || now > item.repeatUntil) {
        delete item.repeatUntil;
        delete item.nextRepeatAt;
        // Mains devices always listen: no command-ack after the resends means it did not get through.
        if (dev && !dev.sleepy) {
          this.remove(id, item);
          this.stats.gaveUp++;
        }
        continue;
      }
      if (item.retargetAt !== undefined && item.sends === 0) this.deps.groups?.retargeted();
      item.nextRepeatAt =
        now + (dev?.sleepy ? this.sleepyRepeatMs(dev) : this.o.mainsRepeatEveryMs);
      this.schedule.push(item.nextRepeatAt, id, item);
      if (dev?.sleepy) this.everywhere(dev, item, dev.lastReceiver, true, woken);
      else if (dev?.lastReceiver !== undefined) this.transmit(dev, item, dev.lastReceiver);
    }
  }

  /**
   * The lowest urgency class: a bulk frame (a firmware-update chunk or control)
   * signed and sent once on the link that heard the device last, never queued,
   * stored or resent (its sender repeats what was lost). Returns the framed
   * bytes sent, or undefined when the device or its link is not there.
   * Callers hold bulk traffic while `soundingPending()` (an interlink sounding
   * pre-empts updates). `wake`: the device is not known to be listening, so a
   * wake-on-radio device gets the frame after a wake-up preamble (returned as
   * `preambleMs`, airtime the caller paces by); others get it as it is.
   * `via`: this link instead (an update session keeps to one line, so its
   * frames arrive in the order sent).
   */
  sendBulk(
    deviceId: number,
    msg: DownlinkMsg,
    wake = false,
    via?: string,
  ): { linkId: string; bytes: number; preambleMs: number } | undefined {
    const dev = this.deps.lookup(deviceId);
    if (dev?.status !== "active") return undefined;
    // A sleeping detector never heard yet (its first frames lost) is reached on every radio line.
    const links =
      via !== undefined && this.deps.links.get(via)?.isUp()
        ? [via]
        : dev.lastReceiver !== undefined
          ? [dev.lastReceiver]
          : dev.sleepy
            ? this.deps.links
                .all()
                .filter((l) => l.id.startsWith("serial:"))
                .map((l) => l.id)
            : [];
    const counter = this.deps.counters.take(deviceId);
    const bytes = frameBytes(
      encodeFrame({ deviceId, counter, flags: 0, msg }, dev.key, this.deps.hmac),
    );
    const preambleMs = wake ? (this.deps.preambleMs?.(dev) ?? 0) : 0;
    let first: string | undefined;
    for (const linkId of links) {
      const link = this.deps.links.get(linkId);
      if (!link?.isUp() || !link.send(deviceId, bytes, preambleMs)) {
        this.stats.linkDown++;
        continue;
      }
      first ??= linkId;
    }
    if (first === undefined) return undefined;
    this.stats.bulk++;
    return { linkId: first, bytes: bytes.length, preambleMs };
  }

  /** True while a sound command (interlinked fire, hush, stop) waits for any device's command-ack. */
  soundingPending(): boolean {
    for (const q of this.queues.values()) if (q.some((it) => it.msg.type === "sound")) return true;
    return false;
  }

  /** When the next scheduled resend is due (a driver in virtual time ticks then), if any. */
  nextDueAt(): number | undefined {
    const a = this.schedule.peekAt();
    const b = this.deps.groups?.nextDueAt();
    return a === undefined ? b : b === undefined ? a : Math.min(a, b);
  }

  /** Commands waiting for one device (or every device), most urgent first. */
  pending(deviceId?: number): Array<{
    deviceId: number;
    msg: DownlinkMsg;
    reason: string;
    queuedAt: number;
    sends: number;
  }> {
    const out = [];
    for (const [id, q] of this.queues) {
      if (deviceId !== undefined && id !== deviceId) continue;
      for (const it of q)
        out.push({
          deviceId: id,
          msg: it.msg,
          reason: it.reason,
          queuedAt: it.queuedAt,
          sends: it.sends,
        });
    }
    return out;
  }

  depth(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  /** Drops expired commands (call from a slow timer). */
  expire(now: number): void {
    for (const [id, q] of this.queues) {
      for (const it of [...q]) {
        if (this.expired(it, now)) {
          this.remove(id, it);
          this.stats.expired++;
        }
      }
    }
  }

  /** Moves waiting commands (not yet signed) to replacement hardware. */
  move(fromId: number, toId: number): void {
    const q = this.queues.get(fromId);
    if (!q) return;
    this.queues.delete(fromId);
    const unsigned = q.filter((it) => it.signed === undefined);
    this.forget(q.filter((it) => it.signed !== undefined));
    this.deps.store?.moved(
      unsigned.flatMap((it) => (it.id === undefined ? [] : [it.id])),
      toId,
    );
    if (unsigned.length) this.queues.set(toId, [...(this.queues.get(toId) ?? []), ...unsigned]);
  }

  /** Reserves downlink counters for a newly registered device ahead of its first ack. */
  prepare(deviceId: number): void {
    this.deps.counters.ensure(deviceId);
  }

  /**
   * Puts back the commands a store kept across a restart. Mains devices get
   * theirs resent at once; sound commands for sleeping detectors resume their
   * resend schedule for what is left of it; the rest wait for the device's
   * next uplink. Expired ones and those of devices no longer active go.
   */
  restore(now: number): number {
    const store = this.deps.store;
    if (!store) return 0;
    const gone: number[] = [];
    let n = 0;
    for (const s of store.load()) {
      const dev = this.deps.lookup(s.deviceId);
      const urgent = dev?.sleepy === true && s.msg.type === "sound";
      if (dev?.status !== "active" || (now - s.queuedAt > this.o.ttlMs && !urgent)) {
        gone.push(s.id);
        continue;
      }
      const item: Queued = {
        id: s.id,
        msg: s.msg,
        priority: s.priority,
        reason: s.reason,
        queuedAt: s.queuedAt,
        rank: rankOf(s),
        sends: 0,
        ...(s.signed ? { signed: s.signed } : {}),
      };
      const repeatUntil = !dev.sleepy
        ? now + this.o.mainsRepeatEveryMs * (this.o.mainsMaxSends - 1)
        : s.msg.type === "sound"
          ? s.queuedAt + this.o.urgentRepeatForMs
          : undefined;
      if (repeatUntil !== undefined && now < repeatUntil) {
        item.repeatUntil = repeatUntil;
        item.nextRepeatAt = now;
        this.schedule.push(now, s.deviceId, item);
      }
      const q = this.queues.get(s.deviceId) ?? [];
      q.push(item);
      q.sort((a, b) => a.rank - b.rank || a.queuedAt - b.queuedAt);
      this.queues.set(s.deviceId, q);
      n++;
    }
    store.remove(gone);
    return n;
  }

  /** Past its time to live, unless it is a sounding still on its resend schedule. */
  private expired(item: Queued, now: number): boolean {
    return now - item.queuedAt > this.o.ttlMs && item.repeatUntil === undefined;
  }

  private enqueue(deviceId: number, req: DownlinkRequest, now: number): Queued | undefined {
    const q = this.queues.get(deviceId) ?? [];
    const dropped: Queued[] = [];
    // One sound command per device: a newer one (fire -> hush -> stop) replaces it.
    const kept =
      req.msg.type === "sound"
        ? q.filter((it) => {
            if (it.msg.type !== "sound") return true;
            dropped.push(it);
            return false;
          })
        : q;
    const item: Queued = { ...req, queuedAt: now, rank: rankOf(req), sends: 0 };
    kept.push(item);
    kept.sort((a, b) => a.rank - b.rank || a.queuedAt - b.queuedAt);
    while (kept.length > this.o.perDeviceCap) {
      dropped.push(kept.pop()!);
      this.stats.overflow++;
    }
    this.queues.set(deviceId, kept);
    this.stats.queued++;
    const store = this.deps.store;
    if (store && kept.includes(item))
      item.id = store.insert({
        deviceId,
        msg: req.msg,
        priority: req.priority,
        reason: req.reason,
        queuedAt: now,
      });
    this.forget(dropped);
    return kept.includes(item) ? item : undefined;
  }

  private remove(deviceId: number, item: Queued): void {
    const q = this.queues.get(deviceId);
    if (!q) return;
    const i = q.indexOf(item);
    if (i >= 0) {
      q.splice(i, 1);
      this.forget([item]);
    }
    if (q.length === 0) this.queues.delete(deviceId);
  }

  /** Commands that left the queue leave the store too. */
  private forget(items: readonly Queued[]): void {
    this.deps.store?.remove(items.flatMap((it) => (it.id === undefined ? [] : [it.id])));
  }

  /** Urgent resends to a sleepy device: each in a listening window, or each after a wake-up preamble. */
  private sleepyRepeatMs(dev: RegisteredDevice): number {
    return (this.deps.preambleMs?.(dev) ?? 0) > 0 ? this.o.worRepeatEveryMs : this.o.repeatEveryMs;
  }

  /**
   * An urgent command to a sleeping radio device goes out on every serial
   * receiver that is up, not only the one that heard it last: that one may be
   * the line that has gone bad (a noisy or cut receiver line during a fire).
   * A wake-on-radio device gets it after a wake-up preamble.
   */
  private everywhere(
    dev: RegisteredDevice,
    item: Queued,
    lastLink: string | undefined,
    scheduled = false,
    woken = new Set<string>(),
  ): boolean {
    if (lastLink !== undefined && !lastLink.startsWith("serial:"))
      return this.transmit(dev, item, lastLink, scheduled);
    const needs = this.deps.preambleMs?.(dev) ?? 0;
    // One preamble per receiver and tick wakes every sniffing detector in reach.
    const preamble = (linkId: string) => {
      if (needs <= 0 || woken.has(linkId)) return 0;
      woken.add(linkId);
      return needs;
    };
    const up = this.deps.links.all().filter((l) => l.id.startsWith("serial:") && l.isUp());
    // A member re-targeted after a group sounding: one receiver per round, in turn, so a
    // building's re-targets do not fill every line at once (a bad line still gets its turns).
    if (item.retargetAt !== undefined && up.length > 0) {
      const link = up[(item.scheduledSends ?? 0) % up.length]!;
      return this.transmit(dev, item, link.id, scheduled, preamble(link.id));
    }
    let any = false;
    for (const link of up)
      if (this.transmit(dev, item, link.id, scheduled, preamble(link.id))) any = true;
    return any;
  }

  /**
   * `scheduled`: a resend on a sleepy device's urgent schedule (not counted
   * against maxSends); `preambleMs`: after a wake-up preamble.
   */
  private transmit(
    dev: RegisteredDevice,
    item: Queued,
    linkId: string,
    scheduled = false,
    preambleMs = 0,
  ): boolean {
    const link = this.deps.links.get(linkId);
    if (!link?.isUp()) {
      this.stats.linkDown++;
      return false;
    }
    if (!scheduled && item.sends - (item.scheduledSends ?? 0) >= this.o.maxSends) {
      this.remove(dev.deviceId, item);
      this.stats.gaveUp++;
      return false;
    }
    if (!item.signed) {
      const counter = this.deps.counters.take(dev.deviceId);
      const frame = { deviceId: dev.deviceId, counter, flags: 0, msg: item.msg };
      item.signed = { counter, bytes: frameBytes(encodeFrame(frame, dev.key, this.deps.hmac)) };
      if (item.id !== undefined) this.deps.store?.signed(item.id, counter, item.signed.bytes);
    }
    if (!link.send(dev.deviceId, item.signed.bytes, preambleMs)) {
      this.stats.linkDown++;
      return false;
    }
    item.sends++;
    if (scheduled) item.scheduledSends = (item.scheduledSends ?? 0) + 1;
    if (item.sends === 1) {
      this.stats.sent++;
      this.deps.onSent?.(dev.deviceId, item.msg, linkId, item.signed.counter);
    } else this.stats.resent++;
    return true;
  }
}
