/**
 * Frame-counter validation with a 64-wide sliding window (the IPsec/DTLS
 * anti-replay window, RFC 4303 section 3.4.3). Pure: state in, verdict and new state out.
 * Counters never restart: devices reserve counter blocks in flash (see
 * reserveCounterBlock), so a counter at or below the window is a replay.
 */

export interface CounterWindow {
  /** Highest counter accepted so far; -1 when none. */
  highest: number;
  /** Bit i set = counter (highest - i) seen, for i in 0..31. */
  maskLo: number;
  /** Bit i set = counter (highest - 32 - i) seen, for i in 0..31. */
  maskHi: number;
}

export type CounterVerdict = "ok" | "duplicate" | "replay";

export const WINDOW_SIZE = 64;

export function emptyWindow(): CounterWindow {
  return { highest: -1, maskLo: 0, maskHi: 0 };
}

/** Checks `counter` against the window without changing it. */
export function checkCounter(w: CounterWindow, counter: number): CounterVerdict {
  if (counter > w.highest) return "ok";
  const age = w.highest - counter;
  if (age >= WINDOW_SIZE) return "replay";
  const bit = age < 32 ? (w.maskLo >>> age) & 1 : (w.maskHi >>> (age - 32)) & 1;
  return bit ? "duplicate" : "ok";
}

/** Returns the window after accepting `counter` (call only after checkCounter said "ok"). */
export function acceptCounter(w: CounterWindow, counter: number): CounterWindow {
  let highest = w.highest;
  let lo = w.maskLo;
  let hi = w.maskHi;
  if (counter > highest) {
    const shift = highest < 0 ? WINDOW_SIZE : counter - highest;
    if (shift >= WINDOW_SIZE) {
      lo = 0;
      hi = 0;
    } else if (shift >= 32) {
      hi = shift === 32 ? lo : lo << (shift - 32);
      lo = 0;
    } else {
      hi = (hi << shift) | (lo >>> (32 - shift));
      lo = lo << shift;
    }
    highest = counter;
    lo |= 1;
  } else {
    const age = highest - counter;
    if (age < 32) lo |= 1 << age;
    else hi |= 1 << (age - 32);
  }
  return { highest: highest, maskLo: lo >>> 0, maskHi: hi >>> 0 };
}

/**
 * Counter reservation for devices that reboot: flash holds the first counter
 * of the next block. On boot the device starts at the stored value and writes
 * stored + blockSize before sending; when the counter reaches the reserved
 * mark it reserves the next block. A reboot skips at most one block and never
 * reuses a counter.
 */
export function reserveCounterBlock(
  stored: number,
  blockSize: number,
): { next: number; reserveUpTo: number } {
  const start = Math.max(stored, 0);
  return { next: start, reserveUpTo: start + blockSize };
}
