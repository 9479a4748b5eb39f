/**
 * Crashed peers' sessions. With a persistent session, a bridge instance that
 * crashes leaves its unacknowledged messages, and the share of new ones the
 * broker keeps routing to it, waiting for it to return (Mosquitto does not
 * hand them to the rest of the group, which MQTT 5.0 §4.8.2 only recommends).
 * Each instance keeps a retained presence message with a "crashed" last-will.
 * When a peer has been crashed for `adoptAfterMs`, one survivor — the lowest
 * client id among those up — connects with the peer's client id, writes
 * everything the session holds, and ends the session. If the peer returns
 * first, it simply resumes its own session.
 */
import type { Logger } from "../../common/log.js";
import type { PresenceState } from "./shared-subscriber.js";

/** Who adopts a crashed peer: the lowest client id among the instances that are up. */
export function electAdopter(states: Map<string, PresenceState>, self: string): string {
  let best = self;
  for (const [id, st] of states) if (st === "up" && id < best) best = id;
  return best;
}

export function parsePresence(
  payload: Buffer,
): { instance: string; state: PresenceState } | undefined {
  try {
    const v = JSON.parse(payload.toString("utf8")) as { instance?: unknown; state?: unknown };
    if (typeof v.instance !== "string") return undefined;
    if (v.state !== "up" && v.state !== "stopped" && v.state !== "crashed" && v.state !== "adopted")
      return undefined;
    return { instance: v.instance, state: v.state };
  } catch {
    return undefined;
  }
}

export class PeerWatch {
  private readonly states = new Map<string, PresenceState>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly adopting = new Set<string>();
  private stopped = false;

  constructor(
    private readonly self: string,
    private readonly adoptAfterMs: number,
    private readonly adopt: (peer: string) => Promise<boolean>,
    private readonly log: Logger,
  ) {}

  onPresence(instance: string, state: PresenceState): void {
    if (instance === this.self || this.stopped) return;
    this.states.set(instance, state);
    const timer = this.timers.get(instance);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(instance);
    }
    if (state !== "crashed") return;
    this.log.warn("peer instance crashed", { peer: instance, adoptInS: this.adoptAfterMs / 1000 });
    const t = setTimeout(() => {
      this.timers.delete(instance);
      void this.maybeAdopt(instance);
    }, this.adoptAfterMs);
    this.timers.set(instance, t);
  }

  private async maybeAdopt(peer: string) {
    if (this.stopped || this.states.get(peer) !== "crashed" || this.adopting.has(peer)) return;
    const adopter = electAdopter(this.states, this.self);
    if (adopter !== this.self) {
      this.log.info("peer crashed; another instance adopts it", { peer, adopter });
      return;
    }
    this.adopting.add(peer);
    this.log.warn("adopting the session of a crashed peer", { peer });
    try {
      const ended = await this.adopt(peer);
      this.log.info(
        ended ? "peer session drained and ended" : "peer session not ended (the peer returned?)",
        { peer },
      );
    } catch (err) {
      this.log.error("adoption failed", {
        peer,
        error: err instanceof Error ? err.message : String(err),
      });
    } finally {
      this.adopting.delete(peer);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
