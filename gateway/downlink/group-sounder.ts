/**
 * The building group sounding on the gateway (TYPE_GROUP_SOUND). One frame,
 * signed once with the building group key under the group's own counter,
 * sounds every detector of the building that holds the current group key: its
 * channel load does not grow with the building (gateway/downlink/README.md).
 *
 * - The first sound command for a member starts the building's sounding: the
 *   frame goes out at once on every serial receiver that is up and is resent
 *   several times per listening window for one period (everyone has had a
 *   window), then once per window, until every member acknowledged it
 *   (TYPE_GROUP_ACK) or a sounding of another mode (hush, stop) replaces it.
 *   It is never given up while a member is missing.
 * - Later commands of the same mode join the running sounding (a second fire
 *   in the building); a member that already acknowledged it is done.
 * - Members spread their acknowledgements over one listening period; one not
 *   heard from `retargetAfterMs` after the start is re-targeted alone: the
 *   downlink queue then resends its own unicast command on its urgent schedule.
 * Detectors without the current key (never issued, or a group rekey not yet
 * confirmed) are not covered: they get unicast soundings from the start.
 *
 * Wake-on-radio members (deps.preambleMs): a building with any is sounded in
 * rounds every `worRepeatEveryMs` instead (no windows to hit: every member
 * hears every round it does not lose), and each round on a receiver starts
 * with one wake-up preamble that every sniffing detector in reach wakes on,
 * followed by WOR_COPIES copies of the frame of every building sounding then
 * (noise spoils one copy, not the round): a new sounding goes out at once and
 * then joins the running rounds. After `worFastForMs` (the 10 s bound) the
 * rounds slow to `worSlowRepeatEveryMs`: members acknowledge once, without
 * asking for an ack, and one whose acknowledgement was lost is re-targeted.
 */
import { encodeFrame } from "../../protocol/codec.js";
import { frameBytes } from "../../protocol/framing.js";
import type { HmacFn } from "../../protocol/hmac.js";
import type { DownlinkMsg } from "../../protocol/messages.js";
import type { RegisteredDevice } from "../registry/registry.js";
import type { DownlinkCounterStore } from "./counter-store.js";
import { type BuildingGroup, deriveBuildingGroup } from "./group-keys.js";
import type { GroupStore } from "./group-store.js";
import { WOR_COPIES } from "./interlink-budget.js";
import type { LinkTable } from "./link.js";

/** Group counters live beside device counters in the counter store, above every device id. */
export const GROUP_COUNTER_BASE = 2 ** 32;

export interface GroupSounderDeps {
  /** The site's group secret (site YAML interlink.groupSecret). */
  secret: Uint8Array;
  hmac: HmacFn;
  store: GroupStore;
  counters: DownlinkCounterStore;
  links: LinkTable;
  /** The wake-up preamble a member needs (wake-on-radio), 0 for the rest. */
  preambleMs?(dev: RegisteredDevice): number;
}

export interface GroupSounderOptions {
  /** Resend interval for the first listening period: several copies per window (interlink-budget.ts). */
  repeatEveryMs: number;
  /**
   * Resend interval after `fastForMs`: a whole copy per window is enough for
   * the few still missing, and leaves the line to the acknowledgements.
   */
  slowRepeatEveryMs?: number;
  /** How long the fast interval lasts (one listening period and a window: everyone had a window). */
  fastForMs?: number;
  /** A member not acknowledged this long after the start is re-targeted alone. */
  retargetAfterMs: number;
  /** Interval of the rounds to buildings with wake-on-radio members (interlink-budget.ts worRoundIntervalMs). */
  worRepeatEveryMs?: number;
  /** Interval of those rounds after `worFastForMs` (worSlowRoundIntervalMs): the line is left to the acknowledgements. */
  worSlowRepeatEveryMs?: number;
  /** How long the wake-on-radio rounds go at `worRepeatEveryMs` (WOR_FAST_ROUNDS_MS: the 10 s bound). */
  worFastForMs?: number;
  /** Re-target after this long in those buildings (worRetargetAfterMs): each re-target needs a preamble. */
  worRetargetAfterMs?: number;
}

export interface GroupSounderStats {
  soundings: number;
  sent: number;
  resent: number;
  acked: number;
  retargeted: number;
}

/** What a sound command for one detector becomes. */
export type Coverage = { retargetAt: number } | "acked" | undefined;

interface Sounding {
  group: BuildingGroup;
  mode: number;
  counter: number;
  bytes: Uint8Array;
  retargetAt: number;
  /** Next resend; undefined once every member acknowledged. */
  nextAt: number | undefined;
  members: Set<number>;
  acked: Set<number>;
  startedAt: number;
  /** The longest wake-up preamble a member needs (0: windows only). */
  preambleMs: number;
}

export class GroupSounder {
  readonly stats: GroupSounderStats = { soundings: 0, sent: 0, resent: 0, acked: 0, retargeted: 0 };
  private readonly soundings = new Map<string, Sounding>();

  constructor(
    private readonly deps: GroupSounderDeps,
    private readonly o: GroupSounderOptions,
  ) {}

  /** The group of `building` at its current epoch. */
  group(building: string): BuildingGroup {
    const epoch = this.deps.store.epoch(building);
    const s = this.soundings.get(building);
    if (s && s.group.epoch === epoch) return s.group;
    return deriveBuildingGroup(this.deps.secret, building, epoch, this.deps.hmac);
  }

  /**
   * A sound command for `dev`: covered by its building's sounding (started now
   * when none of this mode runs), already acknowledged, or not covered.
   */
  cover(dev: RegisteredDevice, msg: DownlinkMsg, now: number): Coverage {
    const building = dev.building;
    if (msg.type !== "sound" || building === undefined || !dev.sleepy) return undefined;
    if (!this.deps.store.isCurrentMember(dev.deviceId, building)) return undefined;
    let s = this.soundings.get(building);
    const epoch = this.deps.store.epoch(building);
    let fresh = false;
    if (s && s.mode === msg.mode && s.group.epoch === epoch) {
      if (s.acked.has(dev.deviceId)) return "acked";
    } else {
      s = this.start(building, msg, now);
      fresh = true;
    }
    s.members.add(dev.deviceId);
    const preamble = this.deps.preambleMs?.(dev) ?? 0;
    const woke = preamble > s.preambleMs;
    if (woke) s.preambleMs = preamble;
    if (fresh || s.nextAt === undefined || woke) {
      // New; or every member had acknowledged; or one the last copies could not wake joins: at once.
      this.transmit(s, true);
      s.nextAt = this.joinRounds(s, now);
    }
    const after =
      s.preambleMs > 0
        ? (this.o.worRetargetAfterMs ?? this.o.retargetAfterMs)
        : this.o.retargetAfterMs;
    if (fresh) s.retargetAt = now + after;
    return { retargetAt: Math.max(s.retargetAt, now + after) };
  }

  /** A member acknowledged the group frame with `counter`; true when it was the running sounding. */
  acked(dev: RegisteredDevice, counter: number): boolean {
    const s = dev.building === undefined ? undefined : this.soundings.get(dev.building);
    if (!s || s.counter !== counter) return false;
    this.done(s, dev.deviceId);
    this.stats.acked++;
    return true;
  }

  /** The member confirmed the sounding another way (its unicast command-ack). */
  confirmed(dev: RegisteredDevice): void {
    const s = dev.building === undefined ? undefined : this.soundings.get(dev.building);
    if (s?.members.has(dev.deviceId)) this.done(s, dev.deviceId);
  }

  /** Counted when the downlink queue starts a member's own resends. */
  retargeted(): void {
    this.stats.retargeted++;
  }

  /**
   * Resends the soundings that are due; one wake-up preamble per receiver for
   * those that need one (`woken`: receivers that sent one in this tick).
   */
  tick(now: number, woken = new Set<string>()): void {
    for (const s of this.soundings.values()) {
      if (s.nextAt === undefined || s.nextAt > now) continue;
      this.transmit(s, false, woken);
      s.nextAt = now + this.interval(s, now);
    }
  }

  /** When a sounding that just went out is next due: with the running wake-on-radio rounds, if any. */
  private joinRounds(s: Sounding, now: number): number {
    if (s.preambleMs > 0)
      for (const o of this.soundings.values())
        if (o !== s && o.preambleMs > 0 && o.nextAt !== undefined && o.nextAt > now)
          return o.nextAt;
    return now + this.interval(s, now);
  }

  private interval(s: Sounding, now: number): number {
    if (s.preambleMs > 0 && this.o.worRepeatEveryMs !== undefined) {
      const slow = now - s.startedAt >= (this.o.worFastForMs ?? Number.POSITIVE_INFINITY);
      return slow
        ? (this.o.worSlowRepeatEveryMs ?? this.o.worRepeatEveryMs)
        : this.o.worRepeatEveryMs;
    }
    const fast = now - s.startedAt < (this.o.fastForMs ?? Number.POSITIVE_INFINITY);
    return fast ? this.o.repeatEveryMs : (this.o.slowRepeatEveryMs ?? this.o.repeatEveryMs);
  }

  nextDueAt(): number | undefined {
    let due: number | undefined;
    for (const s of this.soundings.values())
      if (s.nextAt !== undefined && (due === undefined || s.nextAt < due)) due = s.nextAt;
    return due;
  }

  /** Members of the building's running sounding that have not acknowledged it. */
  missing(building: string): number[] {
    return [...(this.soundings.get(building)?.members ?? [])];
  }

  private done(s: Sounding, deviceId: number): void {
    s.members.delete(deviceId);
    s.acked.add(deviceId);
    if (s.members.size === 0) s.nextAt = undefined;
  }

  private start(building: string, msg: DownlinkMsg & { type: "sound" }, now: number): Sounding {
    const group = this.group(building);
    const counter = this.deps.counters.take(GROUP_COUNTER_BASE + group.id);
    const bytes = frameBytes(
      encodeFrame(
        {
          deviceId: group.id,
          counter,
          flags: 0,
          msg: {
            type: "group-sound",
            mode: msg.mode,
            durationS: msg.durationS,
            sourceDeviceId: msg.sourceDeviceId,
          },
        },
        group.key,
        this.deps.hmac,
      ),
    );
    const s: Sounding = {
      group,
      mode: msg.mode,
      counter,
      bytes,
      retargetAt: now + this.o.retargetAfterMs,
      nextAt: now + this.o.repeatEveryMs,
      members: new Set(),
      acked: new Set(),
      startedAt: now,
      preambleMs: 0,
    };
    this.soundings.set(building, s);
    this.stats.soundings++;
    return s;
  }

  /**
   * On every serial receiver that is up (radio and buses alike: the gateway
   * cannot tell them apart), after a wake-up preamble when a member needs one
   * and none went out on that receiver in this round (`woken`).
   */
  private transmit(s: Sounding, first: boolean, woken = new Set<string>()): void {
    for (const link of this.deps.links.all()) {
      if (!link.id.startsWith("serial:") || !link.isUp()) continue;
      const preamble = s.preambleMs > 0 && !woken.has(link.id) ? s.preambleMs : 0;
      if (!link.send(s.group.id, s.bytes, preamble)) continue;
      if (s.preambleMs > 0) {
        woken.add(link.id);
        // The woken detectors listen on: more copies right behind the preamble cost a frame
        // each, and a copy spoiled by noise on the line is then one of several.
        for (let c = 1; c < WOR_COPIES; c++) link.send(s.group.id, s.bytes, 0);
      }
      if (first) this.stats.sent++;
      else this.stats.resent++;
    }
  }
}
