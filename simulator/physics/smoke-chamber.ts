/**
 * Smoke in a detector's chamber, in hundredths of a percent obscuration per
 * metre (the unit of SmokeEventMsg.smokeLevel). Pure: level = f(profile, time).
 *
 * Shapes follow the EN 54-7 / UL 217 test fires: a smouldering fire (TF2/TF3)
 * rises slowly over many minutes, a flaming fire (TF4/TF5) crosses the alarm
 * level within about a minute, and a cooking nuisance (UL 217 8th ed. broiled
 * hamburger) rises, peaks and falls back to clean air.
 */

export type SmokeProfileName =
  | "clean"
  | "smouldering"
  | "flaming"
  | "cooking"
  | "cooking-then-fire"
  /** The IR emitter has failed: the chamber reads nothing at all (a sensor fault). */
  | "dead-chamber";

export interface SmokeSource {
  profile: SmokeProfileName;
  /** Virtual time the source started. */
  startMs: number;
  /** Peak obscuration (cooking) or ceiling (fires); defaults per profile. */
  peak?: number;
}

/** Clean-air reading of a healthy chamber. */
export const CLEAN_AIR_LEVEL = 20;

const DEFAULT_PEAK: Record<SmokeProfileName, number> = {
  clean: CLEAN_AIR_LEVEL,
  "dead-chamber": 0,
  smouldering: 1500,
  flaming: 2500,
  cooking: 450,
  "cooking-then-fire": 2500,
};

/** Seconds for a smouldering fire to reach half its ceiling. */
const SMOULDER_HALF_S = 900;
/** Seconds for a flaming fire to reach half its ceiling. */
const FLAMING_HALF_S = 70;
const COOK_RISE_S = 120;
const COOK_HOLD_S = 60;
const COOK_DECAY_TAU_S = 90;

/** Logistic growth from clean air to `ceiling`, half-way at `halfS`. */
function growth(ceiling: number, halfS: number, tS: number): number {
  const k = 6 / halfS;
  const x = 1 / (1 + Math.exp(-k * (tS - halfS)));
  const x0 = 1 / (1 + Math.exp(k * halfS));
  return CLEAN_AIR_LEVEL + (ceiling - CLEAN_AIR_LEVEL) * ((x - x0) / (1 - x0));
}

function cooking(peak: number, tS: number): number {
  if (tS < COOK_RISE_S) return CLEAN_AIR_LEVEL + (peak - CLEAN_AIR_LEVEL) * (tS / COOK_RISE_S);
  if (tS < COOK_RISE_S + COOK_HOLD_S) return peak;
  const d = tS - COOK_RISE_S - COOK_HOLD_S;
  return CLEAN_AIR_LEVEL + (peak - CLEAN_AIR_LEVEL) * Math.exp(-d / COOK_DECAY_TAU_S);
}

/** Obscuration at `nowMs` for one source (before sensor noise). */
export function smokeLevelAt(source: SmokeSource, nowMs: number): number {
  const tS = Math.max(0, (nowMs - source.startMs) / 1000);
  const peak = source.peak ?? DEFAULT_PEAK[source.profile];
  switch (source.profile) {
    case "clean":
      return CLEAN_AIR_LEVEL;
    case "dead-chamber":
      return 0;
    case "smouldering":
      return growth(peak, SMOULDER_HALF_S, tS);
    case "flaming":
      return growth(peak, FLAMING_HALF_S, tS);
    case "cooking":
      return cooking(DEFAULT_PEAK.cooking, tS);
    case "cooking-then-fire": {
      // The pan catches fire after the first cooking peak: smoke keeps rising past the hush.
      const cook = cooking(DEFAULT_PEAK.cooking, tS);
      const fireStartS = COOK_RISE_S + COOK_HOLD_S;
      return tS < fireStartS ? cook : Math.max(cook, growth(peak, 240, tS - fireStartS));
    }
  }
}

/** Chamber reading with sensor noise (`noise` is a normal(0,1) sample). */
export function smokeReading(source: SmokeSource, nowMs: number, noise: number): number {
  if (source.profile === "dead-chamber") return 0;
  return Math.max(0, smokeLevelAt(source, nowMs) + noise * 3);
}
