/**
 * Per-device token bucket: `burst` frames at once, refilled at `perSecond`.
 * A flooding device exhausts only its own bucket, so it cannot starve the
 * others. State is two numbers per device in typed arrays; time is passed in.
 */
import { IdSlots, withRoom } from "../dedup/id-slots.js";

export interface RateLimitOptions {
  /** Sustained frames per second per device. */
  perSecond: number;
  /** Bucket size: frames a device may send back to back. */
  burst: number;
}

/** Pure step: tokens after refilling to `now` and taking one, or undefined when empty. */
export function takeToken(
  tokens: number,
  lastMs: number,
  now: number,
  opts: RateLimitOptions,
): number | undefined {
  const refill = Math.max(0, now - lastMs) * (opts.perSecond / 1000);
  const have = Math.min(opts.burst, tokens + refill);
  return have >= 1 ? have - 1 : undefined;
}

export class RateLimiter {
  private readonly slots = new IdSlots();
  private tokens: Float64Array;
  private last: Float64Array;
  private opts: RateLimitOptions;
  limited = 0;

  constructor(opts: RateLimitOptions, initialCapacity = 1024) {
    this.opts = opts;
    this.tokens = new Float64Array(initialCapacity);
    this.last = new Float64Array(initialCapacity);
  }

  configure(opts: RateLimitOptions): void {
    this.opts = opts;
  }

  /** True when the device may send a frame now (and takes the token). */
  take(deviceId: number, now: number): boolean {
    let s = this.slots.get(deviceId);
    if (s < 0) {
      s = this.slots.add(deviceId);
      this.tokens = withRoom(this.tokens, s);
      this.last = withRoom(this.last, s);
      this.tokens[s] = this.opts.burst;
      this.last[s] = now;
    }
    const left = takeToken(this.tokens[s]!, this.last[s]!, now, this.opts);
    if (left === undefined) {
      this.limited++;
      return false;
    }
    this.tokens[s] = left;
    this.last[s] = Math.max(now, this.last[s]!);
    return true;
  }
}
