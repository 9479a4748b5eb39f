/**
 * Fault state a link can be put in by the timeline, and the byte-level damage
 * it does. Pure given the random stream.
 */
import type { Rng } from "../physics/prng.js";

export interface LinkFaults {
  /** Nothing passes while down. */
  down: boolean;
  /** Extra probability that a frame is lost. */
  lossRate: number;
  /** Probability that a delivered frame has a bit flipped. */
  corruptRate: number;
}

export function noFaults(): LinkFaults {
  return { down: false, lossRate: 0, corruptRate: 0 };
}

/**
 * Flips one bit inside the frame body (never the first or last byte, the
 * frame flags), so the receiver sees a bad CRC, a bad escape or garbage.
 */
export function corruptBytes(bytes: Uint8Array, rng: Rng): Uint8Array {
  const out = new Uint8Array(bytes);
  if (out.length <= 2) return out;
  const i = 1 + rng.int(out.length - 2);
  out[i] = (out[i] as number) ^ (1 << rng.int(8));
  return out;
}
