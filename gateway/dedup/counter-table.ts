/**
 * Per-device de-duplication state: the protocol's 64-wide counter window
 * (highest counter + 64-bit mask), held in typed arrays so 100,000 devices
 * cost a few megabytes and nothing grows with the message rate. Decisions use
 * protocol/counter-window.ts, the same code the firmware runs.
 */
import {
  acceptCounter,
  type CounterVerdict,
  type CounterWindow,
  checkCounter,
  emptyWindow,
} from "../../protocol/counter-window.js";
import { IdSlots, withRoom } from "./id-slots.js";

export interface DeviceWindow extends CounterWindow {
  deviceId: number;
}

export class CounterTable {
  private readonly slots = new IdSlots();
  private highest: Float64Array;
  private lo: Uint32Array;
  private hi: Uint32Array;

  constructor(initialCapacity = 1024) {
    this.highest = new Float64Array(initialCapacity);
    this.lo = new Uint32Array(initialCapacity);
    this.hi = new Uint32Array(initialCapacity);
  }

  size(): number {
    return this.slots.size;
  }

  /** Bytes held by the typed arrays (the id table's own are extra). */
  arrayBytes(): number {
    return this.highest.byteLength + this.lo.byteLength + this.hi.byteLength;
  }

  get(deviceId: number): CounterWindow {
    const s = this.slots.get(deviceId);
    if (s < 0) return emptyWindow();
    return { highest: this.highest[s]!, maskLo: this.lo[s]!, maskHi: this.hi[s]! };
  }

  check(deviceId: number, counter: number): CounterVerdict {
    return checkCounter(this.get(deviceId), counter);
  }

  /** Accepts `counter` (after check said "ok") and returns the new window. */
  accept(deviceId: number, counter: number): DeviceWindow {
    const next = acceptCounter(this.get(deviceId), counter);
    this.set(deviceId, next);
    return { deviceId, ...next };
  }

  set(deviceId: number, w: CounterWindow): void {
    const s = this.slots.add(deviceId);
    this.highest = withRoom(this.highest, s);
    this.lo = withRoom(this.lo, s);
    this.hi = withRoom(this.hi, s);
    this.highest[s] = w.highest;
    this.lo[s] = w.maskLo;
    this.hi[s] = w.maskHi;
  }

  /** Forgets a device (rekey, replace): its next counter starts a fresh window. */
  delete(deviceId: number): void {
    this.slots.delete(deviceId);
  }
}
