/**
 * Who may talk when on a shared half-duplex line (an RS-485 bus: the gateway
 * and several chargers on one pair). Two rules, as on every mature multi-drop
 * bus:
 * - Silence between frames. A frame is over when the line has been quiet for
 *   3.5 character times (Modbus over Serial Line V1.02, 2.5.1.1 "t3.5"; fixed
 *   at 1.75 ms above 19,200 baud). Nobody starts talking before that.
 * - The gateway answers first. It waits only that gap; a device waits the gap
 *   plus two characters and then a random number of slots (carrier sense with
 *   random backoff, like IEEE 802.11's short and long inter-frame spaces), so
 *   an acknowledgement is never hit by the next device's frame, and two
 *   devices that want the line after the same frame rarely start together.
 * Carrier sense comes from the bytes heard: an opening FRAME_FLAG with no
 * closing one yet means a frame is on the line (our HDLC-like framing has no
 * length byte), and any byte heard less than a gap ago means the line is busy.
 * A frame whose closing flag was lost to noise stops counting after the
 * longest frame's airtime. Pure and ES5-safe: the charger image runs it, and
 * the gateway's serial receiver too.
 */
import { CRC_LENGTH, FRAME_FLAG, MAX_FRAME_LENGTH } from "./constants.js";

/** What a node has heard on the line. */
export interface LineSense {
  /** When the last byte was heard, ms (-1: never). */
  heardAtMs: number;
  /** An opening flag was heard and its closing flag not yet. */
  inFrame: boolean;
  /** Bytes heard since the opening flag. */
  bodyBytes: number;
}

/** Bits a UART byte takes on the line (start, 8 data, stop). */
const BITS_PER_CHAR = 10;
/** Modbus t3.5, in characters; above 19,200 baud a fixed 1.75 ms. */
const GAP_CHARS = 3.5;
const GAP_FAST_MS = 1.75;
/** A device waits this many characters more than the gateway. */
const DEVICE_EXTRA_CHARS = 2;
/** One backoff slot: longer than a character (the time to hear that someone started) plus reaction. */
export const SLOT_CHARS = 3;
/** Backoff slots a device draws from. */
export const BACKOFF_SLOTS = 32;

export function newLineSense(): LineSense {
  return { heardAtMs: -1, inFrame: false, bodyBytes: 0 };
}

export function charMs(baud: number): number {
  return (BITS_PER_CHAR * 1000) / baud;
}

/** The inter-frame silence the gateway waits before it talks. */
export function gatewayGapMs(baud: number): number {
  return baud > 19200 ? GAP_FAST_MS : GAP_CHARS * charMs(baud);
}

/** The silence a device waits before its backoff slots start. */
export function deviceGapMs(baud: number): number {
  return gatewayGapMs(baud) + DEVICE_EXTRA_CHARS * charMs(baud);
}

/** Airtime of the longest framed frame (every byte escaped, two flags). */
export function maxFrameMs(baud: number): number {
  return (2 * (MAX_FRAME_LENGTH + CRC_LENGTH) + 2) * charMs(baud);
}

/**
 * Notes bytes heard at `nowMs`. After a silence longer than the longest frame
 * no frame can still be open (a flag lost to noise cannot leave the sense
 * out of step for longer).
 */
export function lineHeard(s: LineSense, bytes: Uint8Array, nowMs: number, baud: number): void {
  if (s.heardAtMs >= 0 && nowMs - s.heardAtMs > maxFrameMs(baud)) s.inFrame = false;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== FRAME_FLAG) {
      s.bodyBytes++;
      continue;
    }
    // A flag after a body closes the frame; otherwise it opens one (or repeats an opening).
    if (s.inFrame && s.bodyBytes > 0) s.inFrame = false;
    else s.inFrame = true;
    s.bodyBytes = 0;
  }
  if (bytes.length > 0) s.heardAtMs = nowMs;
}

/**
 * The earliest instant this node may start talking after waiting `gapMs` of
 * silence: now or later. While a frame is on the line that is unknown, so the
 * answer is its latest possible end, to be asked again when bytes come.
 */
export function lineClearAtMs(s: LineSense, nowMs: number, gapMs: number, baud: number): number {
  if (s.heardAtMs < 0) return nowMs;
  if (s.inFrame) {
    const giveUp = s.heardAtMs + maxFrameMs(baud);
    if (nowMs < giveUp) return giveUp;
  }
  return Math.max(nowMs, s.heardAtMs + gapMs);
}
