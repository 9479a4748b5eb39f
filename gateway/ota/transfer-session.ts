/**
 * The gateway's side of one device's update: which OTA downlink to send next,
 * from the device's OTA status frames. Pure (time passed in, no I/O); the
 * caller sends what `next()` returns when the device can hear it (its
 * listening window, a free channel, no alarm and no interlink sounding).
 *
 *   begin -> chunks not known held (QUERY_EVERY per round) -> query the map
 *   -> ... -> device says VERIFIED -> switch -> device says SWITCHED (the new
 *   image booted and reported) -> confirm -> device says CONFIRMED: done.
 * REFUSED and ROLLED_BACK end it with the device's reason.
 */
import {
  OTA_OP_CONFIRM,
  OTA_OP_QUERY,
  OTA_OP_SWITCH,
  OTA_REASON_BUSY,
  OTA_REASON_NO_TRANSFER,
  OTA_REASON_NONE,
  OTA_STATE_CONFIRMED,
  OTA_STATE_IDLE,
  OTA_STATE_RECEIVING,
  OTA_STATE_REFUSED,
  OTA_STATE_ROLLED_BACK,
  OTA_STATE_SWITCHED,
  OTA_STATE_VERIFIED,
} from "../../protocol/constants.js";
import type { DownlinkMsg, OtaStatusMsg } from "../../protocol/messages.js";
import { decodeManifest } from "../../protocol/ota.js";
import { ChunkMap, chunkOf } from "./chunk-map.js";

/** Chunks sent between two queries of the device's map. */
export const QUERY_EVERY = 48;
/** A query, switch or confirm not answered in this long is sent again. */
export const ANSWER_TIMEOUT_MS = 3000;
/** A device busy (alarming, sounding, a port near its limit) is asked again this much later. */
export const BUSY_RETRY_MS = 30_000;

export type SessionPhase =
  | "begin"
  | "transferring"
  | "verified"
  | "switching"
  | "confirming"
  | "done"
  | "failed";

export class TransferSession {
  phase: SessionPhase = "begin";
  /** OTA_REASON_* of a refusal or rollback. */
  reason = 0;
  /** Ended by the device rolling back (not by a refusal). */
  rolledBack = false;
  /** The device said it is busy: the next frame waits BUSY_RETRY_MS (also for a forced nudge). */
  private busy = false;
  private holdUntilMs = 0;
  readonly map: ChunkMap;
  private readonly target: string;
  private cursor = 0;
  private sinceQuery = 0;
  private waitUntilMs = -1;

  constructor(
    private readonly image: Uint8Array,
    readonly manifest: Uint8Array,
    map?: ChunkMap,
  ) {
    this.map = map ?? ChunkMap.forImage(image.length);
    this.target = decodeManifest(manifest)?.version ?? "?";
  }

  percent(): number {
    return Math.floor((100 * this.map.held()) / this.map.total);
  }

  /** Takes an OTA status frame of this device. */
  onStatus(s: OtaStatusMsg): void {
    const version = `${s.fwMajor}.${s.fwMinor}.${s.fwPatch}`;
    this.waitUntilMs = -1;
    // A refusal always names its reason. A device that refused a late switch answers a later
    // query with that state again and no reason (ota-receiver.ts keeps its last state): not a
    // refusal of this update.
    if (s.state === OTA_STATE_REFUSED && s.reason === OTA_REASON_NONE) return;
    if (s.state === OTA_STATE_REFUSED && s.reason === OTA_REASON_BUSY) {
      // Not a failure: it alarms or sounds now (ota-receiver.ts); begin or switch again later.
      this.busy = true;
      this.phase = this.phase === "switching" ? "verified" : "begin";
      return;
    }
    if (
      s.state === OTA_STATE_REFUSED &&
      s.reason === OTA_REASON_NO_TRANSFER &&
      version === this.target &&
      (this.phase === "verified" || this.phase === "switching" || this.phase === "confirming")
    ) {
      // A second switch (sent on a duplicate or late VERIFIED answer) reached the device
      // after it switched: it runs the new image on trial, so confirm it.
      this.phase = "confirming";
      return;
    }
    switch (s.state) {
      case OTA_STATE_REFUSED:
      case OTA_STATE_ROLLED_BACK:
        this.phase = "failed";
        this.reason = s.reason;
        this.rolledBack = s.state === OTA_STATE_ROLLED_BACK;
        return;
      case OTA_STATE_IDLE:
        if (this.phase === "transferring" || this.phase === "verified") this.phase = "begin";
        return;
      case OTA_STATE_RECEIVING:
        if (s.total === this.map.total) this.map.noteStatus(s);
        // "switching": a restart found it mid-transfer after all (campaign restore asks first).
        if (this.phase === "begin" || this.phase === "switching") this.phase = "transferring";
        return;
      case OTA_STATE_VERIFIED:
        this.map.fill();
        // Also when a switch was lost: the device still waits for one.
        this.phase = "verified";
        return;
      case OTA_STATE_SWITCHED:
        if (version === this.target) this.phase = "confirming";
        return;
      case OTA_STATE_CONFIRMED:
        if (version === this.target) this.phase = "done";
        return;
    }
  }

  /** When the session may send again (0: now; later while it waits for an answer). */
  readyAt(): number {
    return Math.max(0, this.waitUntilMs, this.holdUntilMs);
  }

  /** True while the session is waiting for the device's answer. */
  waiting(nowMs: number): boolean {
    return this.waitUntilMs >= 0 && nowMs < this.waitUntilMs;
  }

  /**
   * The frame that makes the device answer (begin, query, switch or confirm),
   * for a sleeping device whose listening window the gateway does not know:
   * never a chunk, which only goes into a window it knows is open. `force`:
   * also while an answer is awaited (a blind copy every resend interval, so
   * one lands in the device's next periodic window).
   */
  nudge(nowMs: number, force = false): DownlinkMsg | undefined {
    if (force) this.waitUntilMs = -1;
    if (this.phase === "transferring") this.sinceQuery = QUERY_EVERY;
    return this.next(nowMs);
  }

  /** The next downlink to send now, or undefined (done, failed or waiting for an answer). */
  next(nowMs: number): DownlinkMsg | undefined {
    if (this.busy) {
      this.busy = false;
      this.holdUntilMs = nowMs + BUSY_RETRY_MS;
    }
    if (nowMs < this.holdUntilMs) return undefined;
    if (this.phase === "done" || this.phase === "failed" || this.waiting(nowMs)) return undefined;
    const answer = (msg: DownlinkMsg): DownlinkMsg => {
      this.waitUntilMs = nowMs + ANSWER_TIMEOUT_MS;
      return msg;
    };
    switch (this.phase) {
      case "begin":
        this.phase = "transferring";
        this.sinceQuery = 0;
        return answer({ type: "ota-begin", manifest: this.manifest });
      case "transferring": {
        const todo = this.map.missing(1, this.cursor);
        const i = todo[0];
        // A query ends the pass (a chunk behind the cursor waits for the answer), or every
        // QUERY_EVERY chunks.
        if (i === undefined || i < this.cursor || this.sinceQuery >= QUERY_EVERY) {
          const from = this.map.queryFrom(this.cursor);
          this.sinceQuery = 0;
          this.cursor = 0;
          return answer({ type: "ota-control", op: OTA_OP_QUERY, arg: from });
        }
        this.sinceQuery++;
        this.cursor = i + 1;
        return { type: "ota-chunk", index: i, data: chunkOf(this.image, i) };
      }
      case "verified":
        this.phase = "switching";
        return answer({ type: "ota-control", op: OTA_OP_SWITCH, arg: 0 });
      case "switching":
        // The device reboots on the switch; its SWITCHED status (acked, retried) ends this wait.
        return answer({ type: "ota-control", op: OTA_OP_QUERY, arg: 0 });
      case "confirming":
        return answer({ type: "ota-control", op: OTA_OP_CONFIRM, arg: 0 });
    }
  }
}
