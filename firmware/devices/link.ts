/**
 * The device end of the wire protocol, shared by every kind:
 * - uplink counters that are never reused, even across reboots: blocks of
 *   COUNTER_BLOCK are reserved in Storage before use (protocol reserveCounterBlock);
 * - encode + MAC + frame, and retries of "ack requested" frames with
 *   exponential back-off and jitter until the gateway's TYPE_ACK arrives. Each
 *   retry is a new frame with a fresh counter and FLAG_RETRANSMISSION (a reused
 *   counter would be dropped by the gateway's counter window as a duplicate);
 *   the payload, and so a smoke event's eventId, stays the same, and an ack of
 *   any attempt's counter settles the message;
 * - a listening window after each uplink for sleepy devices (deep sleep is
 *   off while it is open: a sleeping UART hears nothing);
 * - downlink checks in order: framing/CRC, decode, device id, direction,
 *   listening, MAC under the device key, downlink counter window (persisted,
 *   so a reboot does not re-open old commands). Every rejection is counted;
 *   accepted commands are answered with a command-ack uplink.
 * Written as a closure, not a class: on Espruino the minifier can then shorten
 * every private name, and program text is memory.
 */
import { decodeDownlinkFrame, encodeUplinkFrame, verifyFrame } from "../../protocol/codec.js";
import { FLAG_ACK_REQUESTED, FLAG_RETRANSMISSION } from "../../protocol/constants.js";
import {
  acceptCounter,
  type CounterWindow,
  checkCounter,
  emptyWindow,
  reserveCounterBlock,
} from "../../protocol/counter-window.js";
import { Deframer, type DeframerStats, frameBytes } from "../../protocol/framing.js";
import { makeHmacSha256 } from "../../protocol/hmac.js";
import type { DownlinkMsg, UplinkMsg } from "../../protocol/messages.js";
import type { Hal } from "../hal/hal.js";

/** Storage file holding the first uplink counter not yet reserved. */
export const COUNTER_FILE = "hctr";
/** Storage file holding the downlink window's highest counter at the last accepted command. */
export const DOWNLINK_FILE = "hdl";
export const COUNTER_BLOCK = 256;
/** At most this many unacknowledged messages; the oldest is dropped (and counted) beyond. */
export const MAX_PENDING = 6;
/** Counters remembered per pending message (an ack names one of them). */
const MAX_ATTEMPT_COUNTERS = 8;

export interface LinkOptions {
  deviceId: number;
  key: Uint8Array;
  /** Listening window after each uplink; 0 = always listening (mains devices). */
  listenWindowMs: number;
  /** First retry after about this long; doubles per attempt up to backoffMaxMs. */
  backoffBaseMs: number;
  backoffMaxMs: number;
}

/** Handles a verified command; returns a COMMAND_RESULT_* code. */
export type CommandHandler = (msg: DownlinkMsg, nowMs: number) => number;

export interface LinkStats {
  sent: number;
  retries: number;
  acked: number;
  /** Unacknowledged messages given up because MAX_PENDING newer ones waited. */
  dropped: number;
  malformed: number;
  otherDevice: number;
  wrongDirection: number;
  notListening: number;
  /** Unsigned or forged downlinks. */
  badMac: number;
  replayed: number;
  duplicate: number;
  commands: number;
}

export interface Link {
  readonly stats: LinkStats;
  readonly framing: DeframerStats;
  /** Reserves a counter block, restores the downlink window, starts listening. */
  start(): void;
  /** True when no counter had ever been reserved: the first boot after flashing. */
  firstBoot(): boolean;
  /** Sends an uplink; with `ackRequested` it is retried until acknowledged. Returns its counter. */
  send(msg: UplinkMsg, ackRequested: boolean, nowMs: number): number;
  /** Bytes from the link, in any chunking. */
  receive(bytes: Uint8Array, nowMs: number): void;
  /** Retransmits what is due (a timer calls it; tests may too). */
  poll(nowMs: number): void;
  listening(nowMs: number): boolean;
  /**
   * Keeps the receiver on (and deep sleep off) while `on`, e.g. while a
   * detector sounds: the buzzer draws far more than the radio, and a hush or
   * stop from the gateway must get through.
   */
  holdOpen(on: boolean): void;
  nextCounter(): number;
  pendingCount(): number;
  setListenWindowMs(ms: number): void;
}

interface Pending {
  msg: UplinkMsg;
  counters: number[];
  attempt: number;
  dueMs: number;
}

export function createLink(hal: Hal, opts: LinkOptions, onCommand: CommandHandler): Link {
  const hmac = makeHmacSha256(hal.sha256);
  const stats: LinkStats = {
    sent: 0,
    retries: 0,
    acked: 0,
    dropped: 0,
    malformed: 0,
    otherDevice: 0,
    wrongDirection: 0,
    notListening: 0,
    badMac: 0,
    replayed: 0,
    duplicate: 0,
    commands: 0,
  };
  const pending: Pending[] = [];
  let next = 0;
  let reservedUpTo = 0;
  let fresh = false;
  let rxWindow: CounterWindow = emptyWindow();
  let listenUntilMs = -1;
  let held = false;
  let timerDueMs = -1;
  let rxNowMs = 0;
  let lastCommandCounter = -1;
  let lastCommandResult = 0;

  function listening(nowMs: number): boolean {
    return opts.listenWindowMs <= 0 || held || nowMs <= listenUntilMs;
  }

  function backoffMs(attempt: number): number {
    const base = Math.min(opts.backoffBaseMs * 2 ** attempt, opts.backoffMaxMs);
    // +-25 % jitter, so detectors that alarmed together do not retry together.
    return Math.round(base * (0.75 + 0.5 * hal.random()));
  }

  function transmit(msg: UplinkMsg, flags: number, nowMs: number): number {
    if (next >= reservedUpTo) {
      reservedUpTo = next + COUNTER_BLOCK;
      hal.save(COUNTER_FILE, String(reservedUpTo));
    }
    const counter = next++;
    hal.send(
      frameBytes(
        encodeUplinkFrame(
          { deviceId: opts.deviceId, counter: counter, flags: flags, msg: msg },
          opts.key,
          hmac,
        ),
      ),
    );
    stats.sent++;
    if (opts.listenWindowMs > 0) {
      listenUntilMs = nowMs + opts.listenWindowMs;
      hal.deepSleep(false);
      hal.after(opts.listenWindowMs + 1, function () {
        if (!listening(hal.nowMs())) hal.deepSleep(true);
      });
    }
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

  function poll(nowMs: number): void {
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i]!;
      if (p.dueMs > nowMs) continue;
      p.attempt++;
      stats.retries++;
      p.counters.push(transmit(p.msg, FLAG_ACK_REQUESTED | FLAG_RETRANSMISSION, nowMs));
      if (p.counters.length > MAX_ATTEMPT_COUNTERS) p.counters.shift();
      p.dueMs = nowMs + backoffMs(p.attempt);
    }
    schedule(nowMs);
  }

  function send(msg: UplinkMsg, ackRequested: boolean, nowMs: number): number {
    const counter = transmit(msg, ackRequested ? FLAG_ACK_REQUESTED : 0, nowMs);
    if (ackRequested) {
      if (pending.length >= MAX_PENDING) {
        pending.shift();
        stats.dropped++;
      }
      pending.push({ msg: msg, counters: [counter], attempt: 0, dueMs: nowMs + backoffMs(0) });
      schedule(nowMs);
    }
    return counter;
  }

  function commandAck(counter: number, result: number, nowMs: number): void {
    send({ type: "command-ack", ackedCounter: counter, result: result }, false, nowMs);
  }

  function onFrame(bytes: Uint8Array): void {
    const now = rxNowMs;
    const r = decodeDownlinkFrame(bytes);
    if (!r.ok) {
      // Uplink frames of other devices share the radio channel; they decode as "unknown-type" here.
      if (r.reason === "unknown-type" && bytes.length > 1 && ((bytes[1] as number) & 0x80) === 0) {
        if (r.deviceId === opts.deviceId) stats.wrongDirection++;
        else stats.otherDevice++;
      } else {
        stats.malformed++;
      }
      return;
    }
    const f = r.frame;
    if (f.deviceId !== opts.deviceId) {
      stats.otherDevice++; // a shared radio channel carries other devices' frames
      return;
    }
    if (!listening(now)) {
      stats.notListening++;
      return;
    }
    if (!verifyFrame(bytes, opts.key, hmac)) {
      stats.badMac++;
      return;
    }
    const verdict = checkCounter(rxWindow, f.counter);
    if (verdict === "replay") {
      stats.replayed++;
      return;
    }
    if (verdict === "duplicate") {
      stats.duplicate++;
      // The gateway repeats a command whose command-ack it missed: answer again, do not act again.
      if (f.counter === lastCommandCounter) commandAck(f.counter, lastCommandResult, now);
      return;
    }
    rxWindow = acceptCounter(rxWindow, f.counter);
    const msg = f.msg as DownlinkMsg;
    if (msg.type === "ack") {
      for (let i = 0; i < pending.length; i++) {
        if (pending[i]!.counters.indexOf(msg.ackedCounter) >= 0) {
          pending.splice(i, 1);
          stats.acked++;
          break;
        }
      }
      return;
    }
    stats.commands++;
    // Persist before acting: a reboot must not make this command acceptable again.
    hal.save(DOWNLINK_FILE, String(rxWindow.highest));
    lastCommandResult = onCommand(msg, now);
    lastCommandCounter = f.counter;
    commandAck(f.counter, lastCommandResult, now);
  }

  // Espruino does not hoist: only now is onFrame defined.
  const deframer = new Deframer(onFrame);
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
    },
    firstBoot: function () {
      return fresh;
    },
    send: send,
    receive: function (bytes, nowMs) {
      rxNowMs = nowMs;
      deframer.push(bytes);
    },
    poll: poll,
    listening: listening,
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
    setListenWindowMs: function (ms) {
      opts.listenWindowMs = ms;
    },
  };
}
