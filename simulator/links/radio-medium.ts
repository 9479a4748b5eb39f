/**
 * A shared radio channel between battery devices and the gateway's receivers
 * (USB radio dongles). Every receiver in range may hear a transmission, so one
 * frame can reach the gateway several times (it de-duplicates); each copy may
 * be lost, corrupted, delayed or duplicated, and jitter reorders frames.
 * Pure: returns what arrives where and when; the runner carries it out.
 */
import type { Rng } from "../physics/prng.js";
import { corruptBytes, type LinkFaults, noFaults } from "./link-faults.js";

export interface RadioReceiverSpec {
  id: string;
  /** Probability that this receiver misses a frame. */
  lossRate: number;
  /** Device ids it can hear; undefined = all. */
  hears?: Set<number>;
}

export interface RadioSettings {
  latencyMs: number;
  jitterMs: number;
  /** Probability that a receiver hands over one frame twice. */
  duplicateRate: number;
  /** Probability that a frame is held back long enough to arrive after later ones. */
  reorderRate: number;
  corruptRate: number;
}

export const DEFAULT_RADIO: RadioSettings = {
  latencyMs: 30,
  jitterMs: 20,
  duplicateRate: 0,
  reorderRate: 0,
  corruptRate: 0,
};

export interface Delivery {
  /** Receiver id (uplink) or device id (downlink). */
  to: string | number;
  atMs: number;
  bytes: Uint8Array;
  corrupted: boolean;
}

export class RadioMedium {
  readonly faults = new Map<string, LinkFaults>();
  private readonly receivers: RadioReceiverSpec[];
  private readonly settings: RadioSettings;
  private readonly rng: Rng;

  constructor(receivers: RadioReceiverSpec[], settings: RadioSettings, rng: Rng) {
    this.receivers = receivers;
    this.settings = settings;
    this.rng = rng;
    for (const r of receivers) this.faults.set(r.id, noFaults());
  }

  receiverIds(): string[] {
    return this.receivers.map((r) => r.id);
  }

  /** A device transmits `bytes` at `nowMs`: the copies each receiver hands to the gateway. */
  transmit(deviceId: number, bytes: Uint8Array, nowMs: number): Delivery[] {
    const out: Delivery[] = [];
    const s = this.settings;
    for (const r of this.receivers) {
      if (r.hears && !r.hears.has(deviceId)) continue;
      const f = this.faults.get(r.id) ?? noFaults();
      if (f.down) continue;
      if (this.rng.chance(r.lossRate) || this.rng.chance(f.lossRate)) continue;
      const copies = this.rng.chance(s.duplicateRate) ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        let delay = s.latencyMs + this.rng.range(0, s.jitterMs);
        if (this.rng.chance(s.reorderRate)) delay += s.latencyMs * 10 + this.rng.range(0, 2000);
        const corrupt = this.rng.chance(s.corruptRate) || this.rng.chance(f.corruptRate);
        out.push({
          to: r.id,
          atMs: nowMs + Math.round(delay) + c,
          bytes: corrupt ? corruptBytes(bytes, this.rng) : bytes,
          corrupted: corrupt,
        });
      }
    }
    return out;
  }

  /**
   * The gateway sends `bytes` through receiver `receiverId`: every device it
   * reaches hears them (the firmware keeps only frames for its own id).
   */
  downlink(receiverId: string, deviceIds: number[], bytes: Uint8Array, nowMs: number): Delivery[] {
    const r = this.receivers.find((x) => x.id === receiverId);
    const f = this.faults.get(receiverId) ?? noFaults();
    if (!r || f.down) return [];
    const out: Delivery[] = [];
    for (const id of deviceIds) {
      if (r.hears && !r.hears.has(id)) continue;
      if (this.rng.chance(r.lossRate) || this.rng.chance(f.lossRate)) continue;
      const corrupt = this.rng.chance(f.corruptRate);
      out.push({
        to: id,
        atMs:
          nowMs + Math.round(this.settings.latencyMs + this.rng.range(0, this.settings.jitterMs)),
        bytes: corrupt ? corruptBytes(bytes, this.rng) : bytes,
        corrupted: corrupt,
      });
    }
    return out;
  }
}
