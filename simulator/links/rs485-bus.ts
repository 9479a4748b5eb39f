/**
 * An RS-485 bus: one twisted pair shared by the gateway and several chargers,
 * half-duplex. Every node hears every transmission but its own (driver and
 * receiver enables tied, as on the usual transceiver modules). Airtime as on
 * a radio channel (radio-channel.ts, 10 bits a byte at the bus's baud): a
 * node's own frames follow each other, and two nodes whose frames overlap on
 * the wire collide: both are garbled for every listener, who see a bad CRC.
 * What a listener hears comes in two pieces, as a UART hands it over: the
 * opening flag one character after the frame starts (so a node that senses
 * the line knows someone is talking) and the rest at its end.
 * Pure: the fabric asks for a transmission and reads `heard` when it falls due.
 */
import type { Rng } from "../physics/prng.js";
import { corruptBytes, type LinkFaults, noFaults } from "./link-faults.js";
import { type Airtime, airtimeMs, type ChannelStats, RadioChannel } from "./radio-channel.js";

/** The gateway's sender id on the bus's airtime record (device ids are never negative). */
const GATEWAY_SENDER = -1;

export interface BusTransmission {
  from: number | "gateway";
  bytes: Uint8Array;
  airtime: Airtime;
  /** Garbled by the line's noise (collisions are in airtime.collided). */
  corrupted: boolean;
  /** What listeners hear once it has ended (set by heard()). */
  heardBytes?: Uint8Array;
}

export class Rs485Bus {
  readonly id: string;
  readonly baud: number;
  faults: LinkFaults = noFaults();
  private readonly rng: Rng;
  private readonly channel: RadioChannel;

  constructor(id: string, baud: number, rng: Rng) {
    this.id = id;
    this.baud = baud;
    this.rng = rng;
    this.channel = new RadioChannel(baud);
  }

  get stats(): ChannelStats {
    return this.channel.stats;
  }

  /** Airtime offered in the busiest `windowS` seconds as a share of them. */
  peakLoad(windowS = 10): number {
    return this.channel.peakLoad(windowS);
  }

  /** Milliseconds one character takes: when a listener has heard the opening flag. */
  charMs(): number {
    return airtimeMs(1, this.baud);
  }

  /**
   * Starts a transmission at `nowMs`, or after the sender's own earlier ones;
   * undefined when the bus is down or noise swallows it whole.
   */
  transmit(
    from: number | "gateway",
    bytes: Uint8Array,
    nowMs: number,
  ): BusTransmission | undefined {
    if (this.faults.down) return undefined;
    if (this.rng.chance(this.faults.lossRate)) return undefined;
    // Every node, the gateway too, starts when it writes (after its own earlier frames):
    // whoever talks over another collides. Waiting for the line is the nodes' own business.
    const airtime = this.channel.uplink(
      bytes.length,
      nowMs,
      from === "gateway" ? GATEWAY_SENDER : from,
    );
    const corrupted = this.rng.chance(this.faults.corruptRate);
    return { from, bytes: corrupted ? garble(bytes, this.rng) : bytes, airtime, corrupted };
  }

  /** What every listener heard of `tx`, asked at its end (a collision garbles it). */
  heard(tx: BusTransmission): Uint8Array {
    if (tx.heardBytes) return tx.heardBytes;
    tx.heardBytes = tx.airtime.collided && !tx.corrupted ? garble(tx.bytes, this.rng) : tx.bytes;
    return tx.heardBytes;
  }
}

function garble(bytes: Uint8Array, rng: Rng): Uint8Array {
  let b = bytes;
  for (let i = 0; i < 3; i++) b = corruptBytes(b, rng);
  return b;
}
