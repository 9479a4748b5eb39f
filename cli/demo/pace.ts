/**
 * How fast the demo's incidents come and go. "normal" is for a person
 * watching: an incident every 30 s, so each of the ten kinds comes every
 * 5 minutes (spread over the compounds), and cut ports are switched back on
 * 2 minutes after the cut. "fast" is for tests and a quick look: every kind
 * within the first minute, holds of a minute or two, ports back after 15 s;
 * the physics (smoke rising, a terminal heating, a charger ramping up) still
 * takes its real time.
 */
import type { IncidentKind } from "../../simulator/fleet/index.js";

export interface DemoPace {
  name: "normal" | "fast";
  /** One incident this often, the kinds in turn, the compounds in turn. */
  incidentEveryMs: number;
  /** The first incident this long after the start (the devices come up first). */
  firstIncidentMs: number;
  /** How long each kind lasts (HOLD_MS in simulator/fleet when absent). */
  holdMs: Partial<Record<IncidentKind, number>>;
  /** A port seen off this long is cleared and switched back on by the demo operator. */
  restoreAfterMs: number;
  /** How often the demo operator looks at the sheds. */
  restorePollMs: number;
  /** The watched resident's inactivity limit (the demo's extra inactivity rule, ≥ 60 s). */
  watchedMaxIdleS: number;
  /** The watched resident's sensor reports this often. */
  watchedReportS: number;
  /** Heartbeat of each compound's device-lost detector (lost after 2 x, ≥ 10 s). */
  lostHeartbeatS: number;
}

export const PACES: Record<DemoPace["name"], DemoPace> = {
  normal: {
    name: "normal",
    incidentEveryMs: 30_000,
    firstIncidentMs: 30_000,
    holdMs: { welfare: 8 * 60_000, "device-lost": 5 * 60_000 },
    restoreAfterMs: 2 * 60_000,
    restorePollMs: 10_000,
    watchedMaxIdleS: 300,
    watchedReportS: 60,
    lostHeartbeatS: 60,
  },
  fast: {
    name: "fast",
    incidentEveryMs: 4_000,
    firstIncidentMs: 10_000,
    holdMs: {
      overload: 90_000,
      "shed-total": 90_000,
      heater: 90_000,
      "hot-contact": 150_000,
      short: 30_000,
      fire: 150_000,
      cooking: 300_000,
      tamper: 60_000,
      welfare: 150_000,
      "device-lost": 90_000,
    },
    restoreAfterMs: 15_000,
    restorePollMs: 2_000,
    watchedMaxIdleS: 60,
    watchedReportS: 20,
    lostHeartbeatS: 10,
  },
};
