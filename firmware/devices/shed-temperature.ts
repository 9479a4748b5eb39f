/**
 * Shed temperature from an NTC thermistor, with a plausibility check. A
 * charging-shed product once disabled its 65 °C cut-off after false trips;
 * here a broken sensor is a reported fault, never an over-temperature trip:
 * - open (reading near 1) or short (near 0) for FAULT_READINGS samples = fault;
 * - a jump of more than MAX_STEP_DECI_C from the last accepted value is held
 *   back until CONFIRM_READINGS consecutive readings stay away on the same
 *   side (a real fast rise does; a glitch or a rattling contact does not).
 * Circuit: 10 kΩ pull-up to the ADC reference, NTC 10 kΩ at 25 °C (B = 3950) to ground.
 */
import { TEMP_INVALID_DECI_C } from "../../protocol/constants.js";

/** Largest believable change between two readings one second apart. */
export const MAX_STEP_DECI_C = 50;
const CONFIRM_READINGS = 3;
const FAULT_READINGS = 3;
const OPEN_ABOVE = 0.99;
const SHORT_BELOW = 0.01;
const B = 3950;
const T25_K = 298.15;

/** Degrees C × 10 from the ADC fraction; TEMP_INVALID_DECI_C when open or shorted. */
export function ntcDeciC(v: number): number {
  if (!(v > SHORT_BELOW && v < OPEN_ABOVE)) return TEMP_INVALID_DECI_C;
  const ratio = v / (1 - v); // R_ntc / 10 kΩ
  return Math.round((1 / (1 / T25_K + Math.log(ratio) / B) - 273.15) * 10);
}

/** The ADC fraction an NTC gives at `deciC` (tests and the simulator use it). */
export function ntcFraction(deciC: number): number {
  const ratio = Math.exp(B * (1 / (deciC / 10 + 273.15) - 1 / T25_K));
  return ratio / (1 + ratio);
}

export interface ShedTemperature {
  /** Last accepted value, or TEMP_INVALID_DECI_C. */
  deciC: number;
  faulted: boolean;
  /** Readings held back as implausible so far. */
  rejected: number;
  /** Takes one reading: 1 when the sensor just became faulty, -1 when it just recovered, else 0. */
  update(v: number): number;
}

export function createShedTemperature(): ShedTemperature {
  let bad = 0;
  let side = 0;
  let agree = 0;
  const t: ShedTemperature = {
    deciC: TEMP_INVALID_DECI_C,
    faulted: false,
    rejected: 0,
    update: function (v) {
      const d = ntcDeciC(v);
      if (d === TEMP_INVALID_DECI_C) {
        if (++bad >= FAULT_READINGS && !t.faulted) {
          t.faulted = true;
          t.deciC = TEMP_INVALID_DECI_C;
          return 1;
        }
        return 0;
      }
      bad = 0;
      if (
        t.faulted ||
        t.deciC === TEMP_INVALID_DECI_C ||
        Math.abs(d - t.deciC) <= MAX_STEP_DECI_C
      ) {
        const recovered = t.faulted;
        t.faulted = false;
        t.deciC = d;
        agree = 0;
        return recovered ? -1 : 0;
      }
      t.rejected++;
      const s = d > t.deciC ? 1 : -1;
      agree = agree > 0 && s === side ? agree + 1 : 1;
      side = s;
      if (agree >= CONFIRM_READINGS) {
        t.deciC = d;
        agree = 0;
      }
      return 0;
    },
  };
  return t;
}
