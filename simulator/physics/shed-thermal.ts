/**
 * Temperature in a charging shed (deci-degrees C). A daily ambient swing plus
 * hot contacts: a loose or corroded port terminal heats while current flows
 * through it and cools when its relay opens. First-order thermal model,
 * integrated exactly for inputs held constant over each step.
 */

export interface HotContact {
  port: number;
  /** Temperature rise the contact would reach at steady state, in deci-degrees. */
  riseDeciC: number;
  /** Thermal time constant. */
  tauMs: number;
}

export interface ShedThermal {
  ambientDeciC: number;
  /** Current excess over ambient contributed by each hot contact, by port. */
  excessDeciC: Map<number, number>;
  contacts: HotContact[];
}

const DAY = 86_400_000;

export function newShedThermal(ambientDeciC = 250): ShedThermal {
  return { ambientDeciC, excessDeciC: new Map(), contacts: [] };
}

/** Ambient with a +-3 degree daily swing, warmest mid-afternoon. */
export function ambientAt(shed: ShedThermal, nowMs: number): number {
  const phase = ((nowMs % DAY) / DAY) * 2 * Math.PI;
  return shed.ambientDeciC + 30 * Math.sin(phase - Math.PI * 0.6);
}

/** Advances hot-contact heating by `dtMs`; `energized(port)` says whether current flows. */
export function stepShed(shed: ShedThermal, dtMs: number, energized: (port: number) => boolean) {
  for (const c of shed.contacts) {
    const now = shed.excessDeciC.get(c.port) ?? 0;
    const target = energized(c.port) ? c.riseDeciC : 0;
    const k = Math.exp(-dtMs / c.tauMs);
    shed.excessDeciC.set(c.port, target + (now - target) * k);
  }
}

export function shedTempDeciC(shed: ShedThermal, nowMs: number): number {
  let t = ambientAt(shed, nowMs);
  for (const v of shed.excessDeciC.values()) t += v;
  return t;
}
