/**
 * Byte-stream framing for serial and radio UARTs (HDLC-like, RFC 1662 style):
 *   FLAG | escape(frame | crc16 big-endian) | FLAG
 * FLAG and ESCAPE inside the body are sent as ESCAPE, byte ^ 0x20.
 * The same framed bytes are the MQTT payload of Wi-Fi devices.
 */
import {
  CRC_LENGTH,
  FRAME_ESCAPE,
  FRAME_ESCAPE_XOR,
  FRAME_FLAG,
  MAX_FRAME_LENGTH,
  MIN_FRAME_LENGTH,
} from "./constants.js";
import { crc16 } from "./crc16.js";

/**
 * The framed bytes of `frame`. Two passes over the bytes (count, then fill)
 * straight into one Uint8Array: on Espruino a plain array would cost a JsVar
 * or two per byte while the frame is built.
 */
export function frameBytes(frame: Uint8Array): Uint8Array {
  const crc = crc16(frame);
  const n = frame.length;
  let size = 2;
  for (let pass = 0; pass < 2; pass++) {
    const out = pass === 1 ? new Uint8Array(size) : undefined;
    let j = 0;
    if (out) out[j++] = FRAME_FLAG;
    for (let i = 0; i < n + CRC_LENGTH; i++) {
      const b = i < n ? (frame[i] as number) : i === n ? crc >>> 8 : crc & 0xff;
      const special = b === FRAME_FLAG || b === FRAME_ESCAPE;
      if (!out) size += special ? 2 : 1;
      else if (special) {
        out[j++] = FRAME_ESCAPE;
        out[j++] = b ^ FRAME_ESCAPE_XOR;
      } else out[j++] = b;
    }
    if (out) {
      out[j] = FRAME_FLAG;
      return out;
    }
  }
  return new Uint8Array(0); // not reached
}

export interface DeframerStats {
  frames: number;
  /** Bytes skipped outside any frame, or in a run too short to be a frame. */
  garbageBytes: number;
  badCrc: number;
  oversize: number;
  /** An escape byte followed by something that is not an escaped value. */
  badEscape: number;
}

export type FrameHandler = (frame: Uint8Array) => void;

const MAX_BODY = MAX_FRAME_LENGTH + CRC_LENGTH;
const MIN_BODY = MIN_FRAME_LENGTH + CRC_LENGTH;

export interface FrameReader {
  readonly stats: DeframerStats;
  /** Bytes in any chunking; calls the handler once per good frame. */
  push(chunk: Uint8Array): void;
}

/**
 * Reassembles frames from arbitrary chunks. It resynchronises on the next FLAG
 * after garbage, a bad CRC, a bad escape or an oversize run, and counts each.
 * A closure rather than a class: on Espruino the minifier can then shorten
 * every name of its state, and program text is memory.
 */
export function createDeframer(onFrame: FrameHandler): FrameReader {
  const stats: DeframerStats = { frames: 0, garbageBytes: 0, badCrc: 0, oversize: 0, badEscape: 0 };
  const buf = new Uint8Array(MAX_BODY);
  let len = 0;
  let inFrame = false;
  let escaped = false;
  let discarding = false;

  function finish(): void {
    const n = len;
    len = 0;
    if (n === 0) return; // back-to-back flags: idle line
    if (n < MIN_BODY) {
      stats.garbageBytes += n;
      return;
    }
    const expected = ((buf[n - 2] as number) << 8) | (buf[n - 1] as number);
    if (crc16(buf, 0, n - CRC_LENGTH) !== expected) {
      stats.badCrc++;
      return;
    }
    const frame = new Uint8Array(n - CRC_LENGTH);
    for (let i = 0; i < frame.length; i++) frame[i] = buf[i] as number;
    stats.frames++;
    onFrame(frame);
  }

  function pushByte(b: number): void {
    if (b === FRAME_FLAG) {
      if (inFrame && !discarding) finish();
      inFrame = true;
      discarding = false;
      escaped = false;
      len = 0;
      return;
    }
    if (!inFrame) {
      stats.garbageBytes++;
      return;
    }
    if (discarding) return;
    let v = b;
    if (escaped) {
      escaped = false;
      v = b ^ FRAME_ESCAPE_XOR;
      if (v !== FRAME_FLAG && v !== FRAME_ESCAPE) {
        stats.badEscape++;
        discarding = true;
        return;
      }
    } else if (b === FRAME_ESCAPE) {
      escaped = true;
      return;
    }
    if (len >= MAX_BODY) {
      stats.oversize++;
      discarding = true;
      return;
    }
    buf[len++] = v;
  }

  return {
    stats: stats,
    push: function (chunk) {
      for (let i = 0; i < chunk.length; i++) pushByte(chunk[i] as number);
    },
  };
}

/** The deframer as a class (gateway, simulator and tests construct it with `new`). */
export class Deframer implements FrameReader {
  readonly stats: DeframerStats;
  private readonly reader: FrameReader;

  constructor(onFrame: FrameHandler) {
    this.reader = createDeframer(onFrame);
    this.stats = this.reader.stats;
  }

  push(chunk: Uint8Array): void {
    this.reader.push(chunk);
  }
}

/** Deframes one complete buffer (an MQTT payload); returns every good frame in it. */
export function deframeAll(bytes: Uint8Array): { frames: Uint8Array[]; stats: DeframerStats } {
  const frames: Uint8Array[] = [];
  const d = new Deframer(function (f) {
    frames.push(f);
  });
  d.push(bytes);
  return { frames: frames, stats: d.stats };
}
