/**
 * Firmware-update campaigns in the running gateway: the rollout
 * (campaign-plan.ts) decides which devices may get frames, one
 * TransferSession per device decides which frame, and this engine decides
 * when, then sends through the downlink queue's bulk class:
 * - never while any interlink sounding waits for a command-ack (the lowest
 *   urgency class: a fire's SOUND frames get the channel), and never to a
 *   device the safety holds name (safety-holds.ts);
 * - paced by airtime on serial lines (frame bytes x 10 / baud, over
 *   LINE_SHARE of the line), so a sounding or an ack is at most about one
 *   update frame behind;
 * - to a battery device only in a listening window the gateway knows is open
 *   (just after one of its uplinks). Every update frame the device accepts
 *   keeps it listening OTA_SESSION_MS more (firmware/devices/link.ts), so
 *   one window becomes a session: chunks stream while the gateway keeps
 *   sending, with a query every QUERY_EVERY chunks, sent again without a
 *   preamble when its answer is lost;
 * - a device whose window is unknown gets only a query (never a chunk): a
 *   device listening in scheduled windows one every `nudgeEveryMs`, which a
 *   window catches; a wake-on-radio device one after a wake-up preamble, and
 *   another only once the answer is overdue (a preamble holds the channel for
 *   a whole sniff period, so blind repeats would fill it). The answer opens
 *   the window the chunks go in.
 * Progress is kept in SQLite (campaign-store.ts) on every state change and
 * every 10 %, so a campaign and each transfer survive a gateway restart.
 */
import {
  OTA_OP_ABORT,
  OTA_REASON_DOWNGRADE,
  OTA_REASON_HASH_MISMATCH,
  OTA_SESSION_MS,
  OTA_STATE_REFUSED,
} from "../../protocol/constants.js";
import type { DownlinkMsg, OtaStatusMsg } from "../../protocol/messages.js";
import { decodeManifest } from "../../protocol/ota.js";
import type { DownlinkQueue } from "../downlink/downlink-queue.js";
import type { RegisteredDevice } from "../registry/registry.js";
import {
  assignStages,
  type CampaignRules,
  DEFAULT_RULES,
  type DeviceProgress,
  type DeviceUpdateState,
  decideRollout,
  ended,
} from "./campaign-plan.js";
import type { CampaignStore, DeviceImage, StoredCampaign } from "./campaign-store.js";
import { ChunkMap } from "./chunk-map.js";
import { otaReasonText } from "./reason-text.js";
import { TransferSession } from "./transfer-session.js";

/** Bytes of a framed chunk frame on the wire (payload 64 + header, MAC, CRC, framing), for pacing. */
const CHUNK_FRAME_BYTES = 90;
/**
 * A burst to a battery device ends this long before its window closes: the
 * window opened when its uplink ended, which the gateway learns a radio
 * latency later, and a frame needs another latency to arrive.
 */
const WINDOW_MARGIN_MS = 300;
/**
 * Wake-on-radio devices woken for an update at once (listening, or their
 * answer awaited): a wake-up preamble holds a receiver's channel for a whole
 * sniff period, so the rest wait (no preamble) until one of them is done
 * with the channel, instead of all being woken again every few seconds.
 */
export const WOR_SESSIONS = 4;
/**
 * Update frames take at most this share of a serial line's airtime: the rest
 * carries the devices' own frames (a radio device is heard on every receiver
 * near it) and the gateway's acks, so the receiver's queue stays short and an
 * interlink sound command waits behind at most about one update frame.
 */
export const LINE_SHARE = 0.75;

export interface OtaCounters {
  started: number;
  reported: number;
  refused: number;
  downgradeRefused: number;
  forged: number;
  corrupt: number;
  rolledBack: number;
  failed: number;
  frames: number;
  heldForSounding: number;
}

export interface OtaEngineDeps {
  store: CampaignStore;
  lookup(deviceId: number): RegisteredDevice | undefined;
  downlinks: Pick<DownlinkQueue, "sendBulk" | "soundingPending">;
  /** Why a device must not be updated now, or undefined (safety-holds.ts). */
  hold(deviceId: number): string | undefined;
  /** Line speed of a serial link; undefined for links without a pace (MQTT). */
  baudOf(linkId: string): number | undefined;
  /** The battery detectors' listening window after an uplink (site interlink.listenWindowMs). */
  listenWindowMs: number;
  /** How often a battery device listening in scheduled windows gets a query while its window is unknown. */
  nudgeEveryMs: number;
  /** The wake-up preamble a device needs (a wake-on-radio detector), 0 or absent for the rest (listen-modes.ts). */
  preambleMs?(dev: RegisteredDevice): number;
  onProgress?(campaign: string, p: DeviceProgress, version: string, now: number): void;
  /** The device runs `version` now (confirmed): the registry's firmware field follows. */
  onUpdated?(deviceId: number, version: string): void;
}

interface Tracked {
  campaign: string;
  version: string;
  progress: DeviceProgress;
  session: TransferSession | undefined;
  started: boolean;
  listeningUntil: number;
  /** The line its session's frames go on while it listens (in order: a query after its chunks). */
  link: string | undefined;
  /** Its last uplink, or the last wake-up preamble sent to it. */
  heardAt: number;
  nextNudgeAt: number;
  savedPercent: number;
}

interface Running {
  stored: StoredCampaign;
  devices: Tracked[];
}

export interface CampaignView {
  id: string;
  version: string;
  selector: Record<string, string>;
  createdAt: number;
  status: "running" | "paused" | "done" | "aborted";
  why?: string;
  stage: number;
  rules: CampaignRules;
  counts: Record<DeviceUpdateState, number>;
  held: { deviceId: number; why: string }[];
  devices: DeviceProgress[];
}

export class OtaEngine {
  readonly counters: OtaCounters = {
    started: 0,
    reported: 0,
    refused: 0,
    downgradeRefused: 0,
    forged: 0,
    corrupt: 0,
    rolledBack: 0,
    failed: 0,
    frames: 0,
    heldForSounding: 0,
  };
  private readonly campaigns = new Map<string, Running>();
  /** The device's tracked entry in its one unfinished campaign. */
  private readonly byDevice = new Map<number, Tracked>();
  private readonly busyUntil = new Map<string, number>();
  private rr = 0;
  /** Wake-on-radio devices in a session during this tick (see WOR_SESSIONS). */
  private woken = 0;
  /** The earliest instant the last tick found something sendable (see nextDueAt). */
  private due = Number.POSITIVE_INFINITY;

  constructor(private readonly deps: OtaEngineDeps) {}

  /** Loads every campaign from the store (after a restart: where each transfer stood). */
  load(): void {
    const { store } = this.deps;
    for (const c of store.campaigns()) {
      const images = new Map(store.images(c.id).map((i) => [i.deviceId, i]));
      const run: Running = { stored: c, devices: [] };
      for (const p of store.devices(c.id)) {
        const { chunkMap, ...progress } = p;
        const img = images.get(p.deviceId);
        const t = this.track(c, progress, img, chunkMap);
        run.devices.push(t);
      }
      this.campaigns.set(c.id, run);
    }
  }

  private track(
    c: StoredCampaign,
    progress: DeviceProgress,
    img: DeviceImage | undefined,
    chunkHex?: string,
  ): Tracked {
    let session: TransferSession | undefined;
    if (!c.aborted && !ended(progress.state) && img) {
      const fresh = ChunkMap.forImage(img.image.length);
      const map = chunkHex ? ChunkMap.fromHex(fresh.total, chunkHex) : fresh;
      session = new TransferSession(img.image, img.manifest, map);
      // Where a restart finds it: a switched device waits for its confirm; one that may
      // have switched meanwhile is asked first (a begin would look like a downgrade to it).
      if (progress.state === "switched") session.phase = "confirming";
      else if (progress.state === "verifying") session.phase = "switching";
    }
    const t: Tracked = {
      campaign: c.id,
      version: c.version,
      progress,
      session,
      started: progress.state !== "queued",
      listeningUntil: 0,
      link: undefined,
      heardAt: Number.NEGATIVE_INFINITY,
      nextNudgeAt: 0,
      savedPercent: progress.percent,
    };
    if (session) this.byDevice.set(progress.deviceId, t);
    return t;
  }

  /** Devices already in an unfinished campaign. */
  busyDevices(ids: readonly number[]): number[] {
    return ids.filter((id) => this.byDevice.has(id));
  }

  /** Starts a campaign for the prepared images, in the order given (canary first). */
  create(
    spec: {
      id: string;
      version: string;
      selector: Record<string, string>;
      rules?: Partial<CampaignRules>;
    },
    images: DeviceImage[],
    now: number,
  ): CampaignView {
    if (this.campaigns.has(spec.id)) throw new Error(`campaign ${spec.id} exists`);
    const rules = { ...DEFAULT_RULES, ...spec.rules };
    const stages = assignStages(
      images.map((i) => i.deviceId),
      rules,
    );
    const stored: StoredCampaign = {
      id: spec.id,
      version: spec.version,
      rules,
      paused: false,
      createdAt: now,
      selector: spec.selector,
    };
    this.deps.store.create(stored, stages, images);
    const run: Running = { stored, devices: [] };
    const byId = new Map(images.map((i) => [i.deviceId, i]));
    for (const [deviceId, stage] of stages) {
      const t = this.track(
        stored,
        { deviceId, stage, state: "queued", percent: 0 },
        byId.get(deviceId),
      );
      run.devices.push(t);
      this.emit(t, now);
    }
    this.campaigns.set(spec.id, run);
    this.counters.started += images.length;
    return this.view(run);
  }

  setPaused(id: string, paused: boolean): boolean {
    const run = this.campaigns.get(id);
    if (!run || run.stored.aborted) return false;
    run.stored.paused = paused;
    this.deps.store.setPaused(id, paused);
    return true;
  }

  /** Ends a campaign: unfinished devices are told to drop their transfer and marked failed. */
  abort(id: string, now: number): boolean {
    const run = this.campaigns.get(id);
    if (!run || run.stored.aborted) return false;
    run.stored.aborted = true;
    this.deps.store.setAborted(id);
    for (const t of run.devices) {
      if (ended(t.progress.state)) continue;
      const switched = t.progress.state === "switched";
      // A device on trial keeps its own rollback timer; one mid-transfer frees its slot.
      if (t.started && !switched)
        this.deps.downlinks.sendBulk(
          t.progress.deviceId,
          {
            type: "ota-control",
            op: OTA_OP_ABORT,
            arg: 0,
          },
          true,
        );
      t.session = undefined;
      this.byDevice.delete(t.progress.deviceId);
      this.setState(t, "failed", t.progress.percent, "aborted by an operator", now);
    }
    return true;
  }

  /** An accepted uplink of `deviceId`: a battery device listens for a window now. True when it is in a campaign. */
  heard(deviceId: number, now: number): boolean {
    const t = this.byDevice.get(deviceId);
    if (!t) return false;
    if (this.deps.lookup(deviceId)?.sleepy) {
      t.listeningUntil = Math.max(
        t.listeningUntil,
        now + this.deps.listenWindowMs - WINDOW_MARGIN_MS,
      );
      t.heardAt = now;
    }
    return true;
  }

  /** An OTA status frame of `deviceId` (accepted by the pipeline). */
  onStatus(deviceId: number, s: OtaStatusMsg, now: number): void {
    const t = this.byDevice.get(deviceId);
    if (!t?.session) return;
    const session = t.session;
    session.onStatus(s);
    const percent = session.percent();
    if (session.phase === "failed") {
      const text = otaReasonText(session.reason);
      if (session.rolledBack) this.counters.rolledBack++;
      else {
        this.counters.refused++;
        if (s.state === OTA_STATE_REFUSED && session.reason === OTA_REASON_DOWNGRADE)
          this.counters.downgradeRefused++;
        if (session.reason === OTA_REASON_HASH_MISMATCH) this.counters.corrupt++;
      }
      this.counters.failed++;
      this.finish(t);
      this.setState(t, session.rolledBack ? "rolled-back" : "failed", percent, text, now);
      return;
    }
    if (session.phase === "done") {
      this.counters.reported++;
      this.finish(t);
      this.deps.onUpdated?.(deviceId, t.version);
      this.setState(t, "reported", 100, undefined, now);
      return;
    }
    this.setState(t, this.stateOf(t), percent, undefined, now);
  }

  /** Sends what is due now. Call from the downlink tick and after every status. */
  tick(now: number): void {
    this.due = Number.POSITIVE_INFINITY;
    if (this.byDevice.size === 0) return;
    if (this.deps.downlinks.soundingPending()) {
      this.counters.heldForSounding++;
      return;
    }
    const active: Tracked[] = [];
    for (const run of this.campaigns.values()) {
      if (run.stored.aborted) continue;
      const d = decideRollout(
        run.devices.map((t) => t.progress),
        run.stored.rules,
        run.stored.paused,
        (id) => this.deps.hold(id),
      );
      if (d.status !== "running") continue;
      const ids = new Set(d.active);
      for (const t of run.devices) if (ids.has(t.progress.deviceId) && t.session) active.push(t);
    }
    if (active.length === 0) return;
    this.woken = 0;
    for (const t of active) if (this.inSession(t, now)) this.woken++;
    this.rr = (this.rr + 1) % active.length;
    for (let k = 0; k < active.length; k++)
      this.trySend(active[(this.rr + k) % active.length]!, now);
  }

  /**
   * When the engine next has something to send (a driver in virtual time
   * ticks then): from the last tick, the earliest instant an active device's
   * line is free or its answer is overdue; a slow poll (1 s) while sessions
   * wait on something else (a hold, a pause, a closed stage).
   */
  nextDueAt(now: number): number | undefined {
    if (this.byDevice.size === 0) return undefined;
    const due = Number.isFinite(this.due) ? this.due : now + 1000;
    return Math.max(due, now + 1);
  }

  list(): CampaignView[] {
    return [...this.campaigns.values()].map((r) => this.view(r));
  }

  get(id: string): CampaignView | undefined {
    const r = this.campaigns.get(id);
    return r ? this.view(r) : undefined;
  }

  /** A wake-on-radio device that listens now or whose answer is awaited. */
  private inSession(t: Tracked, now: number): boolean {
    const dev = this.deps.lookup(t.progress.deviceId);
    if (!dev?.sleepy || !((this.deps.preambleMs?.(dev) ?? 0) > 0)) return false;
    return t.listeningUntil > now || (t.session?.waiting(now) ?? false);
  }

  private trySend(t: Tracked, now: number): void {
    const session = t.session;
    const id = t.progress.deviceId;
    const dev = this.deps.lookup(id);
    if (!session || !dev) return;
    // Not heard yet: only a sleeping detector (its nudges go out on every radio line).
    if (dev.lastReceiver === undefined && !dev.sleepy) return;
    const link =
      t.link !== undefined && t.listeningUntil > now ? t.link : (dev.lastReceiver ?? "unheard");
    const baud = this.deps.baudOf(link);
    const free = this.busyUntil.get(link) ?? 0;
    const frameMs = baud === undefined ? 0 : (CHUNK_FRAME_BYTES * 10_000) / baud;
    const inWindow = () => t.listeningUntil - now >= 2 * frameMs;
    if (baud !== undefined && free > now) {
      this.due = Math.min(this.due, free);
      return;
    }
    const wor = dev.sleepy && (this.deps.preambleMs?.(dev) ?? 0) > 0;
    let msg: DownlinkMsg | undefined;
    /** A nudge outside a known window wakes a wake-on-radio device. */
    let wake = false;
    if (!dev.sleepy) msg = session.next(now);
    else if (inWindow()) {
      // Inside a known window: chunks, and a query as the window's last frame.
      msg = t.listeningUntil - now < 3 * frameMs ? session.nudge(now) : session.next(now);
    } else if (now >= t.nextNudgeAt && (!wor || this.woken < WOR_SESSIONS)) {
      // A wake-on-radio device is woken once per awaited answer; a windows device is nudged blind.
      msg = session.nudge(now, t.started && !wor);
      wake = true;
      if (msg) t.nextNudgeAt = now + this.deps.nudgeEveryMs;
      if (msg && wor) this.woken++;
    }
    const via = link === dev.lastReceiver ? undefined : t.link;
    const sent = msg ? this.deps.downlinks.sendBulk(id, msg, wake, via) : undefined;
    if (!sent) {
      const answer = session.readyAt();
      this.due = Math.min(
        this.due,
        !dev.sleepy
          ? Math.max(answer, now + 1)
          : inWindow()
            ? Math.max(Math.min(answer, t.listeningUntil - 2 * frameMs), now + 1)
            : Math.max(now + 1, t.nextNudgeAt),
      );
      return;
    }
    this.counters.frames++;
    t.link = sent.linkId;
    const airMs = baud === undefined ? 1 : sent.preambleMs + (sent.bytes * 10_000) / baud;
    const busyEnd = now + airMs;
    // The next update frame on this line only after airMs / LINE_SHARE.
    const lineFree = baud === undefined ? busyEnd : now + airMs / LINE_SHARE;
    if (baud !== undefined) this.busyUntil.set(sent.linkId, lineFree);
    this.due = Math.min(this.due, lineFree);
    // The device hears it (inside its window, or woken by the preamble) and listens
    // OTA_SESSION_MS more from then: the session's next frames need no preamble, and a query
    // whose answer was lost goes again without one. Only while it answers: frames it missed
    // (lost, or it rebooted) must not keep the window open in the gateway's mind. A blind
    // nudge opens nothing.
    if (wake && sent.preambleMs > 0) t.heardAt = now;
    if (dev.sleepy && (!wake || sent.preambleMs > 0) && now - t.heardAt < OTA_SESSION_MS)
      t.listeningUntil = Math.max(t.listeningUntil, busyEnd + OTA_SESSION_MS - WINDOW_MARGIN_MS);
    if (!t.started) {
      t.started = true;
      this.setState(t, "transferring", 0, undefined, now);
    }
  }

  private stateOf(t: Tracked): DeviceUpdateState {
    const s = t.session;
    if (!s) return t.progress.state;
    switch (s.phase) {
      case "begin":
        return t.started ? "transferring" : "queued";
      case "transferring":
        return s.percent() >= 100 ? "verifying" : "transferring";
      case "verified":
      case "switching":
        return "verifying";
      case "confirming":
        return "switched";
      case "done":
        return "reported";
      case "failed":
        return s.rolledBack ? "rolled-back" : "failed";
    }
  }

  private finish(t: Tracked): void {
    this.byDevice.delete(t.progress.deviceId);
    t.session = undefined;
  }

  private setState(
    t: Tracked,
    state: DeviceUpdateState,
    percent: number,
    reason: string | undefined,
    now: number,
  ): void {
    const p = t.progress;
    const changed = p.state !== state || p.reason !== reason;
    const step = Math.floor(percent / 10) !== Math.floor(t.savedPercent / 10);
    p.state = state;
    p.percent = percent;
    if (reason === undefined) delete p.reason;
    else p.reason = reason;
    if (!changed && !step) return;
    t.savedPercent = percent;
    const chunkMap = t.session?.map.toHex();
    this.deps.store.progress(
      t.campaign,
      p.deviceId,
      {
        state,
        percent,
        ...(reason === undefined ? {} : { reason }),
        ...(chunkMap === undefined ? {} : { chunkMap }),
      },
      now,
    );
    this.emit(t, now);
  }

  private emit(t: Tracked, now: number): void {
    this.deps.onProgress?.(t.campaign, { ...t.progress }, t.version, now);
  }

  private view(r: Running): CampaignView {
    const devices = r.devices.map((t) => ({ ...t.progress }));
    const d = decideRollout(devices, r.stored.rules, r.stored.paused, (id) => this.deps.hold(id));
    const counts = {
      queued: 0,
      transferring: 0,
      verifying: 0,
      switched: 0,
      reported: 0,
      "rolled-back": 0,
      failed: 0,
    } as Record<DeviceUpdateState, number>;
    for (const x of devices) counts[x.state]++;
    const v: CampaignView = {
      id: r.stored.id,
      version: r.stored.version,
      selector: r.stored.selector ?? {},
      createdAt: r.stored.createdAt,
      status: r.stored.aborted ? "aborted" : d.status,
      stage: d.stage,
      rules: r.stored.rules,
      counts,
      held: d.held,
      devices,
    };
    if (!r.stored.aborted && d.why !== undefined) v.why = d.why;
    return v;
  }
}

/** The version a manifest carries ("1.2.0"), for a campaign made of per-device packages. */
export function manifestVersionText(manifest: Uint8Array): string | undefined {
  return decodeManifest(manifest)?.version;
}
