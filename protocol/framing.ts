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

export function frameBytes(frame: Uint8Array): Uint8Array {
  const crc = crc16(frame);
  const body = new Uint8Array(frame.length + CRC_LENGTH);
  body.set(frame, 0);
  body[frame.length] = (crc >>> 8) & 0xff;
  body[frame.length + 1] = crc & 0xff;
  let extra = 0;
  for (let i = 0; i < body.length; i++) {
    const b = body[i] as number;
    if (b === FRAME_FLAG || b === FRAME_ESCAPE) extra++;
  }
  const out = new Uint8Array(body.length + extra + 2);
  let o = 0;
  out[o++] = FRAME_FLAG;
  for (let i = 0; i < body.length; i++) {
    const b = body[i] as number;
    if (b === FRAME_FLAG || b === FRAME_ESCAPE) {
      out[o++] = FRAME_ESCAPE;
      out[o++] = b ^ FRAME_ESCAPE_XOR;
    } else {
      out[o++] = b;
    }
  }
  out[o] = FRAME_FLAG;
  return out;
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

/**
 * Reassembles frames from arbitrary chunks. It resynchronises on the next FLAG
 * after garbage, a bad CRC, a bad escape or an oversize run, and counts each.
 */
export class Deframer {
  readonly stats: DeframerStats;
  private buf: Uint8Array;
  private len: number;
  private inFrame: boolean;
  private escaped: boolean;
  private discarding: boolean;
  private readonly onFrame: FrameHandler;

  constructor(onFrame: FrameHandler) {
    this.onFrame = onFrame;
    this.stats = { frames: 0, garbageBytes: 0, badCrc: 0, oversize: 0, badEscape: 0 };
    this.buf = new Uint8Array(MAX_BODY);
    this.len = 0;
    this.inFrame = false;
    this.escaped = false;
    this.discarding = false;
  }

  push(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) this.pushByte(chunk[i] as number);
  }

  private pushByte(b: number): void {
    if (b === FRAME_FLAG) {
      if (this.inFrame && !this.discarding) this.finish();
      this.inFrame = true;
      this.discarding = false;
      this.escaped = false;
      this.len = 0;
      return;
    }
    if (!this.inFrame) {
      this.stats.garbageBytes++;
      return;
    }
    if (this.discarding) return;
    if (this.escaped) {
      this.escaped = false;
      const v = b ^ FRAME_ESCAPE_XOR;
      if (v !== FRAME_FLAG && v !== FRAME_ESCAPE) {
        this.stats.badEscape++;
        this.discarding = true;
        return;
      }
      this.append(v);
      return;
    }
    if (b === FRAME_ESCAPE) {
      this.escaped = true;
      return;
    }
    this.append(b);
  }

  private append(v: number): void {
    if (this.len >= MAX_BODY) {
      this.stats.oversize++;
      this.discarding = true;
      return;
    }
    this.buf[this.len++] = v;
  }

  private finish(): void {
    const n = this.len;
    this.len = 0;
    if (n === 0) return; // back-to-back flags: idle line
    if (n < MIN_BODY) {
      this.stats.garbageBytes += n;
      return;
    }
    const expected = ((this.buf[n - 2] as number) << 8) | (this.buf[n - 1] as number);
    if (crc16(this.buf, 0, n - CRC_LENGTH) !== expected) {
      this.stats.badCrc++;
      return;
    }
    const frame = new Uint8Array(n - CRC_LENGTH);
    for (let i = 0; i < frame.length; i++) frame[i] = this.buf[i] as number;
    this.stats.frames++;
    this.onFrame(frame);
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
