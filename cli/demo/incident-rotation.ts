/**
 * The demo's schedule: one incident every `incidentEveryMs`, the kinds in
 * turn (ROTATION), the compounds in turn, so a person watching a few minutes
 * sees every kind and every compound. A kind no device of its compound can
 * take now (every port busy, the watched resident already still) goes to the
 * next compound; when none can, it is skipped and counted.
 */
import type { IncidentKind } from "../../simulator/fleet/index.js";

/** Every kind, in an order that mixes sheds, flats and residents. */
export const ROTATION: readonly IncidentKind[] = [
  "overload",
  "cooking",
  "shed-total",
  "welfare",
  "heater",
  "fire",
  "hot-contact",
  "device-lost",
  "short",
  "tamper",
];

/**
 * The `n`-th incident (from 0): its kind and the compounds to try, first
 * choice first. A kind moves on by one compound every round, so with any
 * number of compounds each sees each kind.
 */
export function nthIncident(n: number, sites: number): { kind: IncidentKind; sites: number[] } {
  const kind = ROTATION[n % ROTATION.length]!;
  const round = Math.floor(n / ROTATION.length);
  const first = (n + round) % sites;
  return { kind, sites: Array.from({ length: sites }, (_, i) => (first + i) % sites) };
}
