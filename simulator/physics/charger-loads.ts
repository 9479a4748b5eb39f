/**
 * What is plugged into a charging-shed port, as wall power (W) against the
 * time the port's relay has been on since the plug went in. Pure and closed
 * form, so a sample at any virtual instant costs the same.
 *
 * - lithium: an e-bike Li-ion charger, constant current then constant voltage
 *   with the current tapering to the cut-off (T/GBC 48-2025 treats the taper as
 *   the sign of a healthy charge, and power under ~5 % of rated as "full").
 * - lead-acid: three-stage charger, bulk then absorption then float.
 *   Either may soft-start: its current ramps up from zero over softStartS.
 * - heater: a resistive load, flat, no taper: the illegal-load signature.
 * - short: a dead short, far over any limit at once.
 */

export type LoadKind = "lithium" | "lead-acid" | "heater" | "short";

export interface LoadParams {
  /** Battery capacity (lithium, lead-acid). */
  capacityWh?: number;
  /** State of charge when plugged, 0..1. */
  startSoc?: number;
  /** Charge current in the constant-current phase. */
  chargeCurrentA?: number;
  /** Flat power (heater) or fault power (short). */
  powerW?: number;
  /**
   * Soft start (lithium, lead-acid): the charger ramps its current up from
   * zero over this long after plug-in (default 0: full current at once).
   */
  softStartS?: number;
}

export interface PortLoad {
  kind: LoadKind;
  /** Wall power after `energizedMs` of relay-on time since plug-in. */
  powerW(energizedMs: number): number;
  /** Energized time at which the charger itself stops drawing more than standby, if it does. */
  doneAfterMs?: number;
}

const H = 3_600_000;

interface CcCvShape {
  capacityWh: number;
  startSoc: number;
  currentA: number;
  vLow: number;
  vHigh: number;
  /** Fraction of charge delivered in the constant-current phase. */
  cvAtSoc: number;
  cutoffA: number;
  /** Power drawn once the charger has finished (standby or float). */
  restW: number;
  efficiency: number;
  softStartMs: number;
}

function ccCv(kind: LoadKind, s: CcCvShape): PortLoad {
  const soc0 = Math.min(Math.max(s.startSoc, 0), 1);
  const vStart = s.vLow + (s.vHigh - s.vLow) * Math.min(soc0 / s.cvAtSoc, 1);
  const ccEnergyWh = Math.max(0, s.cvAtSoc - soc0) * s.capacityWh;
  const ccMs = ccEnergyWh > 0 ? (ccEnergyWh / (s.currentA * (vStart + s.vHigh) * 0.5)) * H : 0;
  const cvEnergyWh = (1 - Math.max(soc0, s.cvAtSoc)) * s.capacityWh;
  const tauMs = Math.max((cvEnergyWh / (s.vHigh * s.currentA)) * H, 60_000);
  const cvEndMs = ccMs + tauMs * Math.log(s.currentA / s.cutoffA);
  return {
    kind,
    doneAfterMs: cvEndMs,
    powerW(t: number): number {
      if (t < 0) return 0;
      // The ramp delays a few seconds of charge; doneAfterMs leaves that out.
      const ramp = t < s.softStartMs ? t / s.softStartMs : 1;
      return ramp * wall(t);
    },
  };

  function wall(t: number): number {
    if (t < ccMs) {
      const v = vStart + (s.vHigh - vStart) * (t / ccMs);
      return (v * s.currentA) / s.efficiency;
    }
    if (t < cvEndMs) {
      const i = s.currentA * Math.exp(-(t - ccMs) / tauMs);
      return (s.vHigh * i) / s.efficiency;
    }
    return s.restW;
  }
}

export function createLoad(kind: LoadKind, p: LoadParams = {}): PortLoad {
  switch (kind) {
    case "lithium":
      // 48 V (13S) pack: 42 V empty, 54.6 V full.
      return ccCv(kind, {
        capacityWh: p.capacityWh ?? 720,
        startSoc: p.startSoc ?? 0.2,
        currentA: p.chargeCurrentA ?? 3,
        vLow: 42,
        vHigh: 54.6,
        cvAtSoc: 0.85,
        cutoffA: 0.15,
        restW: 1.5,
        efficiency: 0.9,
        softStartMs: (p.softStartS ?? 0) * 1000,
      });
    case "lead-acid":
      // 48 V (24 cells): bulk to 2.4 V/cell, then absorption; float at 2.3 V/cell and 0.25 A.
      return ccCv(kind, {
        capacityWh: p.capacityWh ?? 576,
        startSoc: p.startSoc ?? 0.3,
        currentA: p.chargeCurrentA ?? 2.5,
        vLow: 46,
        vHigh: 57.6,
        cvAtSoc: 0.8,
        cutoffA: 0.25,
        restW: (55.2 * 0.25) / 0.85,
        efficiency: 0.85,
        softStartMs: (p.softStartS ?? 0) * 1000,
      });
    case "heater": {
      const w = p.powerW ?? 1500;
      return { kind, powerW: (t) => (t < 0 ? 0 : w) };
    }
    case "short": {
      const w = p.powerW ?? 8000;
      return { kind, powerW: (t) => (t < 0 ? 0 : w) };
    }
  }
}
