/**
 * A shared radio channel between battery devices and the gateway's receivers
 * (USB radio dongles). Every receiver in range may hear a transmission, so one
 * frame can reach the gateway several times (it de-duplicates); each copy may
 * be lost, corrupted, delayed or duplicated, and jitter reorders frames.
 * With `airtimeBaud` each receiver has its own channel at that rate
 * (radio-channel.ts): its downlinks queue behind each other, and frames that
 * overlap on a channel collide and are lost; a device module listens before
 * it talks (it defers while a receiver it reaches is sending, then waits a
 * random backoff), and a downlink may carry a wake-up preamble for
 * wake-on-radio detectors.
 * Pure: returns what arrives where and when; the runner carries it out.
 */
import type { Rng } from "../physics/prng.js";
import { corruptBytes, type LinkFaults, noFaults } from "./link-faults.js";
import { type Airtime, airtimeMs, type ChannelStats, RadioChannel } from "./radio-channel.js";

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
  /** Channel rate per receiver (bits/s, 10 bits a byte); undefined = no airtime model. */
  airtimeBaud?: number;
}

export type ChannelSummary = ChannelStats & {
  receiver: string;
  baud: number;
  /** Airtime offered in the busiest 10 s as a share of them (above 1: more than the line carries). */
  peakLoad10s: number;
};

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
  /** Its airtime on the receiver's channel: lost when `collided` is set by delivery time. */
  airtime?: Airtime;
}

/** A device module that waited for a receiver to finish waits up to this much more, at random. */
export const LBT_BACKOFF_MS = 500;

export class RadioMedium {
  readonly faults = new Map<string, LinkFaults>();
  private readonly receivers: RadioReceiverSpec[];
  private readonly settings: RadioSettings;
  private readonly rng: Rng;
  private readonly channels = new Map<string, RadioChannel>();

  constructor(receivers: RadioReceiverSpec[], settings: RadioSettings, rng: Rng) {
    this.receivers = receivers;
    this.settings = settings;
    this.rng = rng;
    for (const r of receivers) {
      this.faults.set(r.id, noFaults());
      if (settings.airtimeBaud) this.channels.set(r.id, new RadioChannel(settings.airtimeBaud));
    }
  }

  /** Airtime, collisions and queueing per receiver channel (empty without the airtime model). */
  channelStats(): ChannelSummary[] {
    return [...this.channels].map(([receiver, ch]) => ({
      receiver,
      baud: ch.baud,
      peakLoad10s: ch.peakLoad(10),
      ...ch.stats,
    }));
  }

  receiverIds(): string[] {
    return this.receivers.map((r) => r.id);
  }

  /**
   * Listen before talk: from `nowMs`, the first instant the frame would
   * overlap nothing on any channel the device reaches (a receiver's
   * transmission or another device's frame), plus a random backoff after each
   * wait (devices that waited for the same preamble must not all start
   * together).
   */
  private clearToSend(deviceId: number, bytes: number, nowMs: number): number {
    let t = nowMs;
    for (let round = 0; round < 32; round++) {
      let until: number | undefined;
      for (const r of this.receivers) {
        if (r.hears && !r.hears.has(deviceId)) continue;
        const ch = this.channels.get(r.id);
        const busy = ch?.busyUntil(t, airtimeMs(bytes, ch.baud));
        if (busy !== undefined) until = Math.max(until ?? 0, busy);
      }
      if (until === undefined) return t;
      t = until + this.rng.range(0, LBT_BACKOFF_MS);
    }
    return t;
  }

  /** A device transmits `bytes` at `nowMs`: the copies each receiver hands to the gateway. */
  transmit(deviceId: number, bytes: Uint8Array, nowMs: number): Delivery[] {
    const out: Delivery[] = [];
    const s = this.settings;
    const startMs =
      this.channels.size > 0 ? this.clearToSend(deviceId, bytes.length, nowMs) : nowMs;
    for (const r of this.receivers) {
      if (r.hears && !r.hears.has(deviceId)) continue;
      const f = this.faults.get(r.id) ?? noFaults();
      if (f.down) continue;
      // On the air whether or not this receiver then decodes it.
      const airtime = this.channels.get(r.id)?.uplink(bytes.length, startMs, deviceId);
      if (this.rng.chance(r.lossRate) || this.rng.chance(f.lossRate)) continue;
      const copies = this.rng.chance(s.duplicateRate) ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        let delay = s.latencyMs + this.rng.range(0, s.jitterMs);
        if (this.rng.chance(s.reorderRate)) delay += s.latencyMs * 10 + this.rng.range(0, 2000);
        const corrupt = this.rng.chance(s.corruptRate) || this.rng.chance(f.corruptRate);
        out.push({
          to: r.id,
          atMs: (airtime ? Math.ceil(airtime.endMs) : nowMs) + Math.round(delay) + c,
          bytes: corrupt ? corruptBytes(bytes, this.rng) : bytes,
          corrupted: corrupt,
          ...(airtime ? { airtime } : {}),
        });
      }
    }
    return out;
  }

  /**
   * The gateway sends `bytes` through receiver `receiverId`, after a wake-up
   * preamble of `preambleMs` when given: every device it reaches hears them
   * (the firmware keeps only frames for its own id).
   */
  downlink(
    receiverId: string,
    deviceIds: number[],
    bytes: Uint8Array,
    nowMs: number,
    preambleMs = 0,
  ): Delivery[] {
    const r = this.receivers.find((x) => x.id === receiverId);
    const f = this.faults.get(receiverId) ?? noFaults();
    if (!r || f.down) return [];
    const airtime = this.channels.get(receiverId)?.downlink(bytes.length, nowMs, preambleMs);
    const sentAt = airtime ? Math.ceil(airtime.endMs) : nowMs + preambleMs;
    const out: Delivery[] = [];
    for (const id of deviceIds) {
      if (r.hears && !r.hears.has(id)) continue;
      if (this.rng.chance(r.lossRate) || this.rng.chance(f.lossRate)) continue;
      const corrupt = this.rng.chance(f.corruptRate);
      out.push({
        to: id,
        atMs:
          sentAt + Math.round(this.settings.latencyMs + this.rng.range(0, this.settings.jitterMs)),
        bytes: corrupt ? corruptBytes(bytes, this.rng) : bytes,
        corrupted: corrupt,
        ...(airtime ? { airtime } : {}),
      });
    }
    return out;
  }
}
