/**
 * The device end of the wire protocol, shared by every kind:
 * - uplink counters that are never reused, even across reboots: blocks of
 *   COUNTER_BLOCK are reserved in Storage before use (protocol reserveCounterBlock);
 * - seal (header + MAC) + frame, and retries of "ack requested" frames with
 *   exponential back-off and jitter until the gateway's TYPE_ACK arrives. Each
 *   retry is a new frame with a fresh counter and FLAG_RETRANSMISSION (a reused
 *   counter would be dropped by the gateway's counter window as a duplicate);
 *   the payload, and so a smoke event's eventId, stays the same, and an ack of
 *   any attempt's counter settles the message;
 * - listening windows for sleepy devices (deep sleep is off while one is open:
 *   a sleeping UART hears nothing): one after each uplink, and, with
 *   listenEveryMs, one every listenEveryMs so an urgent command (interlinked
 *   fire) gets through between uplinks; with a `wake` pin (a wake-on-radio
 *   module, device config wakeOnRadio), one each time the module raises it
 *   because it caught a frame after a wake-up preamble; each accepted
 *   firmware-update frame opens it for OTA_SESSION_MS (an update session
 *   keeps the receiver on until its frames stop that long);
 * - downlink checks in order: framing/CRC, decode, device id, direction,
 *   listening, MAC under the device key, downlink counter window (persisted,
 *   so a reboot does not re-open old commands). Every rejection is counted;
 *   accepted commands are answered with a command-ack uplink.
 * Devices send payloads made by protocol/payload-uplink.ts's per-type
 * encoders, so an image holds only the encoders its kind uses. Written as a
 * closure, not a class, with counters in an array: on Espruino the minifier
 * can then shorten every private name, and program text is memory.
 */

import { readU32 } from "../../protocol/bytes.js";
import { decodeDownlinkFrame, sealFrameBytes, verifyFrame } from "../../protocol/codec.js";
import {
  FLAG_ACK_REQUESTED,
  FLAG_RETRANSMISSION,
  HEADER_LENGTH,
  MAC_LENGTH,
  MAX_FRAME_LENGTH,
  MIN_FRAME_LENGTH,
  OFFSET_COUNTER,
  OFFSET_DEVICE_ID,
  OTA_SESSION_MS,
  PROTOCOL_VERSION,
  TYPE_COMMAND_ACK,
  TYPE_GROUP_SOUND,
  TYPE_OTA_BEGIN,
  TYPE_OTA_CHUNK,
  TYPE_OTA_CONTROL,
} from "../../protocol/constants.js";
import {
  acceptCounter,
  type CounterWindow,
  checkCounter,
  emptyWindow,
  reserveCounterBlock,
} from "../../protocol/counter-window.js";
import { createDeframer, type DeframerStats, frameBytes } from "../../protocol/framing.js";
import { makeHmacSha256 } from "../../protocol/hmac.js";
import type { DownlinkMsg } from "../../protocol/messages.js";
import { commandAckPayload } from "../../protocol/payload-uplink.js";
import type { Hal } from "../hal/hal.js";

/** The build's board constants (firmware/hal/espruino.d.ts); only `ota` is read here, folded at build time. */
declare const HAITANG_BOARD: { ota: boolean };

/** Storage file holding the first uplink counter not yet reserved. */
export const COUNTER_FILE = "hctr";
/** Storage file holding the downlink window's highest counter at the last accepted command. */
export const DOWNLINK_FILE = "hdl";
export const COUNTER_BLOCK = 256;
/** At most this many unacknowledged messages; the oldest is dropped (and counted) beyond. */
export const MAX_PENDING = 6;
/** Counters remembered per pending message (an ack names one of them). */
const MAX_ATTEMPT_COUNTERS = 8;

/** Indexes of Link.stats. */
export const STAT_SENT = 0;
export const STAT_RETRIES = 1;
export const STAT_ACKED = 2;
/** Unacknowledged messages given up because MAX_PENDING newer ones waited. */
export const STAT_DROPPED = 3;
export const STAT_MALFORMED = 4;
export const STAT_OTHER_DEVICE = 5;
export const STAT_WRONG_DIRECTION = 6;
export const STAT_NOT_LISTENING = 7;
/** Unsigned or forged downlinks. */
export const STAT_BAD_MAC = 8;
export const STAT_REPLAYED = 9;
export const STAT_DUPLICATE = 10;
export const STAT_COMMANDS = 11;
/** Listening windows opened by the schedule (listenEveryMs). */
export const STAT_SCHEDULED_WINDOWS = 12;
const STAT_COUNT = 13;

/** Read at each use, so a config update of listenWindowMs applies at once. */
export interface ListenSettings {
  /** Listening window after each uplink and at each scheduled wake-up; absent or 0 = always listening (mains). */
  listenWindowMs?: number;
  /** First retry of an unacknowledged frame after about this long (default BACKOFF_BASE_MS). */
  retryAfterMs?: number;
}

/** A repeated command is answered again at most this often (its copies come in bursts). */
export const REACK_MIN_MS = 500;

/** First retry after about this long; doubles per attempt up to the link's backoffMaxMs. */
export const BACKOFF_BASE_MS = 1000;

/** Handles a verified command; returns a COMMAND_RESULT_* code. */
export type CommandHandler = (msg: DownlinkMsg, nowMs: number) => number;

/**
 * Handles a verified firmware-update frame (TYPE_OTA_*): its type code and
 * payload bytes. They are not decoded by the protocol codec, so an image
 * without the update receiver carries none of their code.
 */
export type OtaHandler = (code: number, payload: Uint8Array, nowMs: number) => void;

/**
 * Handles a TYPE_GROUP_SOUND frame heard while listening (the building group
 * sounding, firmware/devices/group-sounding.ts): it checks the group id, MAC
 * and group counter itself, so images of other kinds carry none of that.
 */
export type GroupHandler = (bytes: Uint8Array, nowMs: number) => void;

export interface Link {
  /** Counters, indexed by STAT_*. */
  readonly stats: number[];
  readonly framing: DeframerStats;
  /** Reserves a counter block, restores the downlink window, starts listening (and the schedule). */
  start(): void;
  /** True when no counter had ever been reserved: the first boot after flashing. */
  firstBoot(): boolean;
  /**
   * Sends an uplink of message type `code` (TYPE_*) with `payload` from a
   * protocol encoder; with `ackRequested` it is retried until acknowledged.
   * Returns its counter.
   */
  send(code: number, payload: Uint8Array, ackRequested: boolean, nowMs: number): number;
  /**
   * Keeps the receiver on (and deep sleep off) while `on`, e.g. while a
   * detector sounds: the buzzer draws far more than the radio, and a hush or
   * stop from the gateway must get through.
   */
  holdOpen(on: boolean): void;
  nextCounter(): number;
  pendingCount(): number;
}

interface Pending {
  code: number;
  payload: Uint8Array;
  /** Counters of every attempt (an ack of any of them settles it). */
  counters: number[];
  attempt: number;
  dueMs: number;
}

/**
 * `listen` is read at each use (listenWindowMs: see ListenSettings). With
 * `listenEveryMs` > 0 a sleepy device also opens a listening window every that
 * many ms (0 = only after its uplinks), so the gateway's repeated urgent
 * commands reach it. Retries back off from BACKOFF_BASE_MS to `backoffMaxMs`.
 */
export function createLink(
  hal: Hal,
  deviceId: number,
  key: Uint8Array,
  listen: ListenSettings,
  listenEveryMs: number,
  backoffMaxMs: number,
  onCommand: CommandHandler,
  onOta?: OtaHandler,
  onGroup?: GroupHandler,
): Link {
  const hmac = makeHmacSha256(hal.sha256);
  const stats: number[] = [];
  for (let i = 0; i < STAT_COUNT; i++) stats.push(0);
  const pending: Pending[] = [];
  let next = 0;
  let reservedUpTo = 0;
  let fresh = false;
  let rxWindow: CounterWindow = emptyWindow();
  let listenUntilMs = -1;
  let held = false;
  let closing = false;
  let timerDueMs = -1;
  let rxNowMs = 0;
  let lastCommandCounter = -1;
  let lastCommandResult = 0;
  let lastAckMs = -REACK_MIN_MS;

  function windowMs(): number {
    return listen.listenWindowMs || 0;
  }

  function listening(nowMs: number): boolean {
    return windowMs() <= 0 || held || nowMs <= listenUntilMs;
  }

  /**
   * Opens the receiver for one window from now (sleepy devices); deep sleep
   * resumes after it. One timer at a time: a window opened again before it
   * closes (a firmware update's stream of frames) moves its end, and the
   * timer waits for the new end.
   */
  function openWindow(nowMs: number, ms?: number): void {
    if (windowMs() <= 0) return;
    const w = ms || windowMs();
    if (nowMs + w > listenUntilMs) listenUntilMs = nowMs + w;
    hal.deepSleep(false);
    if (!closing) closeAfter(w + 1);
  }

  function closeAfter(ms: number): void {
    closing = true;
    hal.after(ms, function () {
      const n = hal.nowMs();
      if (n <= listenUntilMs) {
        closeAfter(listenUntilMs - n + 1);
        return;
      }
      closing = false;
      if (!listening(n)) hal.deepSleep(true);
    });
  }

  function backoffMs(attempt: number): number {
    const base = Math.min((listen.retryAfterMs || BACKOFF_BASE_MS) * 2 ** attempt, backoffMaxMs);
    // +-25 % jitter, so detectors that alarmed together do not retry together.
    return Math.round(base * (0.75 + 0.5 * hal.random()));
  }

  function transmit(code: number, payload: Uint8Array, flags: number, nowMs: number): number {
    if (next >= reservedUpTo) {
      reservedUpTo = next + COUNTER_BLOCK;
      hal.save(COUNTER_FILE, String(reservedUpTo));
    }
    const counter = next++;
    hal.send(frameBytes(sealFrameBytes(deviceId, counter, flags, code, payload, key, hmac)));
    stats[STAT_SENT]!++;
    openWindow(nowMs);
    return counter;
  }

  function schedule(nowMs: number): void {
    let due = -1;
    for (let i = 0; i < pending.length; i++) {
      const d = pending[i]!.dueMs;
      if (due < 0 || d < due) due = d;
    }
    if (due < 0 || (timerDueMs >= 0 && timerDueMs <= due)) return;
    timerDueMs = due;
    hal.after(Math.max(due - nowMs, 0), function () {
      if (timerDueMs !== due) return; // superseded by an earlier wake-up
      timerDueMs = -1;
      poll(hal.nowMs());
    });
  }

  /** Retransmits what is due. */
  function poll(nowMs: number): void {
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i]!;
      if (p.dueMs > nowMs) continue;
      p.attempt++;
      stats[STAT_RETRIES]!++;
      p.counters.push(transmit(p.code, p.payload, FLAG_ACK_REQUESTED | FLAG_RETRANSMISSION, nowMs));
      if (p.counters.length > MAX_ATTEMPT_COUNTERS) p.counters.shift();
      p.dueMs = nowMs + backoffMs(p.attempt);
    }
    schedule(nowMs);
  }

  function send(code: number, payload: Uint8Array, ackRequested: boolean, nowMs: number): number {
    const counter = transmit(code, payload, ackRequested ? FLAG_ACK_REQUESTED : 0, nowMs);
    if (ackRequested) {
      if (pending.length >= MAX_PENDING) {
        pending.shift();
        stats[STAT_DROPPED]!++;
      }
      pending.push({
        code: code,
        payload: payload,
        counters: [counter],
        attempt: 0,
        dueMs: nowMs + backoffMs(0),
      });
      schedule(nowMs);
    }
    return counter;
  }

  function commandAck(counter: number, result: number, nowMs: number): void {
    lastAckMs = nowMs;
    send(TYPE_COMMAND_ACK, commandAckPayload(counter, result), false, nowMs);
  }

  /** The STAT_* a downlink frame is rejected under, or -1 when it is a fresh, verified frame. */
  function reject(bytes: Uint8Array, r: ReturnType<typeof decodeDownlinkFrame>): number {
    if (!r.ok) {
      // Uplink frames of other devices share the radio channel; they decode as "unknown-type" here.
      if (r.reason === "unknown-type" && bytes.length > 1 && ((bytes[1] as number) & 0x80) === 0)
        return r.deviceId === deviceId ? STAT_WRONG_DIRECTION : STAT_OTHER_DEVICE;
      return STAT_MALFORMED;
    }
    // A shared radio channel carries other devices' frames.
    if (r.frame.deviceId !== deviceId) return STAT_OTHER_DEVICE;
    return verdict(bytes, r.frame.counter);
  }

  /** Listening, MAC and counter checks of a frame for this device: a STAT_* or -1. */
  function verdict(bytes: Uint8Array, counter: number): number {
    if (!listening(rxNowMs)) return STAT_NOT_LISTENING;
    if (!verifyFrame(bytes, key, hmac)) return STAT_BAD_MAC;
    const v = checkCounter(rxWindow, counter);
    return v === "replay" ? STAT_REPLAYED : v === "duplicate" ? STAT_DUPLICATE : -1;
  }

  /** A TYPE_OTA_* frame: the same checks as a command, then the raw payload to onOta. */
  function otaFrame(bytes: Uint8Array, code: number, now: number): void {
    const n = bytes.length;
    let why = STAT_MALFORMED;
    if (
      n >= MIN_FRAME_LENGTH &&
      n <= MAX_FRAME_LENGTH &&
      (bytes[0] as number) >> 4 === PROTOCOL_VERSION
    )
      why = readU32(bytes, OFFSET_DEVICE_ID) !== deviceId ? STAT_OTHER_DEVICE : -1;
    const counter = readU32(bytes, OFFSET_COUNTER);
    if (why < 0) why = verdict(bytes, counter);
    if (why >= 0) {
      stats[why]!++;
      return;
    }
    rxWindow = acceptCounter(rxWindow, counter);
    stats[STAT_COMMANDS]!++;
    // Chunks are idempotent (a replayed one is a duplicate on the device): only the
    // begin and control frames pay a Storage write to stay refused after a reboot.
    if (code !== TYPE_OTA_CHUNK) hal.save(DOWNLINK_FILE, String(rxWindow.highest));
    // An update session holds the receiver open: each of its frames opens it for OTA_SESSION_MS
    // again, so the gateway streams chunks after one wake-up; it closes that long after the
    // last frame (the session ended, or the gateway was cut off).
    openWindow(now, OTA_SESSION_MS);
    (onOta as OtaHandler)(code, bytes.subarray(HEADER_LENGTH, n - MAC_LENGTH), now);
  }

  function onFrame(bytes: Uint8Array): void {
    const now = rxNowMs;
    const code = bytes[1] as number;
    // HAITANG_BOARD.ota is folded by the build: an image without the receiver drops this path.
    if (onOta && HAITANG_BOARD.ota && code >= TYPE_OTA_BEGIN && code <= TYPE_OTA_CONTROL) {
      otaFrame(bytes, code, now);
      return;
    }
    if (onGroup && code === TYPE_GROUP_SOUND) {
      if (listening(now)) onGroup(bytes, now);
      else stats[STAT_NOT_LISTENING]!++;
      return;
    }
    const r = decodeDownlinkFrame(bytes);
    const why = reject(bytes, r);
    if (why >= 0) {
      stats[why]!++;
      // The gateway repeats a command whose command-ack it missed: answer again, do not act again.
      // At most once per REACK_MIN_MS: the copies of one round from several receivers arrive
      // together, and their answers would only collide with each other.
      if (
        why === STAT_DUPLICATE &&
        r.ok &&
        r.frame.counter === lastCommandCounter &&
        now - lastAckMs >= REACK_MIN_MS
      )
        commandAck(lastCommandCounter, lastCommandResult, now);
      return;
    }
    if (!r.ok) return;
    const f = r.frame;
    rxWindow = acceptCounter(rxWindow, f.counter);
    const msg = f.msg as DownlinkMsg;
    if (msg.type === "ack") {
      for (let i = 0; i < pending.length; i++) {
        if (pending[i]!.counters.indexOf(msg.ackedCounter) >= 0) {
          pending.splice(i, 1);
          stats[STAT_ACKED]!++;
          break;
        }
      }
      return;
    }
    stats[STAT_COMMANDS]!++;
    // Persist before acting: a reboot must not make this command acceptable again.
    hal.save(DOWNLINK_FILE, String(rxWindow.highest));
    lastCommandResult = onCommand(msg, now);
    lastCommandCounter = f.counter;
    commandAck(f.counter, lastCommandResult, now);
  }

  // Espruino does not hoist: only now is onFrame defined.
  const deframer = createDeframer(onFrame);
  return {
    stats: stats,
    framing: deframer.stats,
    start: function () {
      const stored = hal.load(COUNTER_FILE);
      fresh = stored === undefined;
      const block = reserveCounterBlock(parseInt(stored || "0", 10) || 0, COUNTER_BLOCK);
      next = block.next;
      reservedUpTo = block.reserveUpTo;
      hal.save(COUNTER_FILE, String(reservedUpTo));
      const dl = hal.load(DOWNLINK_FILE);
      // Everything at or below the last accepted command is refused after a reboot.
      if (dl !== undefined)
        rxWindow = { highest: parseInt(dl, 10), maskLo: -1 >>> 0, maskHi: -1 >>> 0 };
      hal.onReceive(function (bytes) {
        rxNowMs = hal.nowMs();
        deframer.push(bytes);
      });
      // Wake-on-radio: the module raises the pin just before it hands over a frame.
      if (hal.has("wake"))
        hal.watch("wake", 0, false, function () {
          openWindow(hal.nowMs());
        });
      if (listenEveryMs > 0)
        hal.every(listenEveryMs, function () {
          if (windowMs() <= 0) return;
          stats[STAT_SCHEDULED_WINDOWS]!++;
          openWindow(hal.nowMs());
        });
    },
    firstBoot: function () {
      return fresh;
    },
    send: send,
    holdOpen: function (on) {
      if (on === held) return;
      held = on;
      if (on || !listening(hal.nowMs())) hal.deepSleep(!on);
    },
    nextCounter: function () {
      return next;
    },
    pendingCount: function () {
      return pending.length;
    },
  };
}
