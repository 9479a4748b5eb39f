/**
 * An RS-485 bus: one twisted pair shared by the gateway and several chargers,
 * half-duplex. A transmission occupies the bus for its bytes at the baud rate
 * (10 bits a byte); two that overlap collide and both arrive garbled.
 * Pure: the runner asks for a delivery and reads `bytes` when it falls due.
 */
import type { Rng } from "../physics/prng.js";
import { corruptBytes, type LinkFaults, noFaults } from "./link-faults.js";

export interface BusTransmission {
  from: number | "gateway";
  startMs: number;
  endMs: number;
  bytes: Uint8Array;
  corrupted: boolean;
}

export interface BusStats {
  transmissions: number;
  collisions: number;
}

export class Rs485Bus {
  readonly id: string;
  faults: LinkFaults = noFaults();
  readonly stats: BusStats = { transmissions: 0, collisions: 0 };
  private readonly baud: number;
  private readonly rng: Rng;
  private active: BusTransmission[] = [];

  constructor(id: string, baud: number, rng: Rng) {
    this.id = id;
    this.baud = baud;
    this.rng = rng;
  }

  /** Milliseconds the bus is busy for `n` bytes. */
  airtimeMs(n: number): number {
    return Math.max(1, Math.ceil((n * 10 * 1000) / this.baud));
  }

  /**
   * Starts a transmission; returns it (to deliver at `endMs`) or undefined when
   * the bus is down. Overlap with any transmission still on the wire garbles both.
   */
  transmit(
    from: number | "gateway",
    bytes: Uint8Array,
    nowMs: number,
  ): BusTransmission | undefined {
    this.active = this.active.filter((t) => t.endMs > nowMs);
    if (this.faults.down) return undefined;
    if (this.rng.chance(this.faults.lossRate)) return undefined;
    this.stats.transmissions++;
    const tx: BusTransmission = {
      from,
      startMs: nowMs,
      endMs: nowMs + this.airtimeMs(bytes.length),
      bytes,
      corrupted: false,
    };
    for (const other of this.active) {
      if (other.from === from) continue;
      this.stats.collisions++;
      garble(other, this.rng);
      garble(tx, this.rng);
    }
    if (!tx.corrupted && this.rng.chance(this.faults.corruptRate)) garble(tx, this.rng);
    this.active.push(tx);
    return tx;
  }
}

function garble(tx: BusTransmission, rng: Rng): void {
  if (tx.corrupted) return;
  tx.corrupted = true;
  let b = tx.bytes;
  for (let i = 0; i < 3; i++) b = corruptBytes(b, rng);
  tx.bytes = b;
}
