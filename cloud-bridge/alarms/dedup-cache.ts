/**
 * A bounded set of recently seen keys, oldest forgotten first. It makes
 * notifications one per alarm transition when a message is redelivered to the
 * same instance. Limit: after `capacity` newer keys, a very late redelivery of
 * an old transition would notify again; and two instances do not share it
 * (the webhook's idempotency key lets the receiver drop those rare copies).
 */
export class DedupCache {
  private readonly keys = new Map<string, true>();

  constructor(readonly capacity: number) {}

  /** True the first time a key is seen (and remembers it). */
  firstTime(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.set(key, true);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.keys().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
    return true;
  }

  get size(): number {
    return this.keys.size;
  }
}
