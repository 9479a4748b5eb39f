/**
 * Buzzer patterns as on/off durations in ms, played with timers. Timers are
 * never cancelled (Espruino throws on clearing a fired one): a generation
 * number makes the steps of a stopped pattern do nothing.
 */
import type { Hal } from "../hal/hal.js";

/** Fire: the temporal-three evacuation signal of ISO 8201 / ANSI S3.41 (0.5 s on/off x3, 1.5 s pause). */
export const PATTERN_FIRE = [500, 500, 500, 500, 500, 1500];
/**
 * Fault (low battery, end of life, sensor fault, tamper): one short chirp,
 * repeated by the device every FAULT_CHIRP_INTERVAL_MS. GB 20517 wants a fault
 * signal that cannot be taken for the fire signal; a lone 60 ms chirp cannot.
 */
export const PATTERN_CHIRP = [60, 0];
/** Locate (commissioning): quick double beeps. */
export const PATTERN_LOCATE = [100, 100, 100, 700];
export const FAULT_CHIRP_INTERVAL_MS = 45000;

export interface Sounder {
  /** Plays `pattern` once (untilMs 0), until `untilMs`, or for ever (untilMs < 0). */
  play(pattern: number[], untilMs: number): void;
  stop(): void;
  playing(): boolean;
}

export function createSounder(hal: Hal, role: string): Sounder {
  let gen = 0;
  let untilMs = 0;
  let on = false;

  function stop(): void {
    gen++;
    on = false;
    hal.write(role, false);
  }

  function step(pattern: number[], i: number, g: number): void {
    if (g !== gen) return;
    if (i >= pattern.length) {
      if (untilMs >= 0 && hal.nowMs() >= untilMs) {
        stop();
        return;
      }
      i = 0;
    }
    hal.write(role, i % 2 === 0);
    hal.after(pattern[i]!, function () {
      step(pattern, i + 1, g);
    });
  }

  return {
    play: function (pattern, until) {
      untilMs = until;
      on = true;
      step(pattern, 0, ++gen);
    },
    stop: stop,
    playing: function () {
      return on;
    },
  };
}
