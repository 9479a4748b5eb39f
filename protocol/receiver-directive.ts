/**
 * What the gateway tells its radio receiver (the USB dongle) about the next
 * frame, on the serial line between them; never sent on the air. One
 * directive so far, TYPE_WAKE_PREAMBLE: send the next frame written after a
 * wake-up preamble of `preambleMs`, long enough for every wake-on-radio
 * detector's sniff to find it (docs/protocol.md). It has a frame's shape
 * (header, u16 preamble ms, 8 zero bytes where a MAC would be) so that the
 * receiver's deframer and CRC check it like any frame; the header's device id
 * names the frame's addressee (a device or a building group), counter 0.
 */
import { readU16, writeU16, writeU32 } from "./bytes.js";
import {
  HEADER_LENGTH,
  MAC_LENGTH,
  OFFSET_DEVICE_ID,
  OFFSET_TYPE,
  OFFSET_VERSION_FLAGS,
  PROTOCOL_VERSION,
  TYPE_WAKE_PREAMBLE,
} from "./constants.js";

const LENGTH = HEADER_LENGTH + 2 + MAC_LENGTH;

/** The unframed directive (frameBytes it before writing). */
export function wakePreambleDirective(addressee: number, preambleMs: number): Uint8Array {
  const out = new Uint8Array(LENGTH);
  out[OFFSET_VERSION_FLAGS] = PROTOCOL_VERSION << 4;
  out[OFFSET_TYPE] = TYPE_WAKE_PREAMBLE;
  writeU32(out, OFFSET_DEVICE_ID, addressee >>> 0);
  writeU16(out, HEADER_LENGTH, Math.min(0xffff, Math.max(0, Math.round(preambleMs))));
  return out;
}

/** The preamble a deframed directive asks for; undefined when `frame` is not one. */
export function readWakePreamble(frame: Uint8Array): number | undefined {
  if (frame.length !== LENGTH || frame[OFFSET_TYPE] !== TYPE_WAKE_PREAMBLE) return undefined;
  if ((frame[OFFSET_VERSION_FLAGS] as number) >> 4 !== PROTOCOL_VERSION) return undefined;
  return readU16(frame, HEADER_LENGTH);
}
