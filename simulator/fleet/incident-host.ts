/**
 * What an incident acts on (fleet-incidents.ts, shed-incidents.ts): the
 * fleet's devices with their physical models, a clock to schedule the undo,
 * and the fleet's hands (act on a model, cut a device off the network).
 */
import type { DeviceModel } from "../devices/pins.js";
import type { Rng } from "../physics/prng.js";

export type IncidentKind =
  | "overload"
  | "shed-total"
  | "heater"
  | "hot-contact"
  | "short"
  | "fire"
  | "cooking"
  | "tamper"
  | "welfare"
  | "device-lost";

export const INCIDENT_KINDS: readonly IncidentKind[] = [
  "overload",
  "shed-total",
  "heater",
  "hot-contact",
  "short",
  "fire",
  "cooking",
  "tamper",
  "welfare",
  "device-lost",
];

export interface IncidentSchedule {
  kind: IncidentKind;
  /** First one this long after the start. */
  firstMs?: number;
  everyMs: number;
}

/** How long an incident lasts before it is undone (load unplugged, air clean, base back...). */
export const HOLD_MS: Record<IncidentKind, number> = {
  overload: 2 * 60_000,
  "shed-total": 3 * 60_000,
  heater: 3 * 60_000,
  "hot-contact": 3 * 60_000,
  short: 60_000,
  fire: 10 * 60_000,
  cooking: 25 * 60_000,
  tamper: 2 * 60_000,
  welfare: 10 * 60_000,
  "device-lost": 10 * 60_000,
};

export interface IncidentDevice {
  name: string;
  kind: "smoke" | "charger" | "guardian";
  /** Where people read it ("3/201", "east-a/charger-2"). */
  location: string;
  model: DeviceModel;
  /** A charger's shed and that shed's limit (shed-total incidents). */
  shed?: string;
  shedLimitW?: number;
  /** The device an incident of this kind picks first. */
  watch?: "welfare" | "device-lost";
}

/** One thing the fleet did, for logs and the demo's output. */
export interface FleetEvent {
  atMs: number;
  incident: IncidentKind | "charging" | "undo";
  device: string;
  location: string;
  detail: string;
}

export interface IncidentHost {
  devices: IncidentDevice[];
  rng: Rng;
  nowMs(): number;
  at(atMs: number, fn: () => void): void;
  /** Applies a model action to a device now (the firmware sees it at its next sample). */
  act(dev: IncidentDevice, action: string, args: Record<string, unknown>): void;
  /** Cuts a device off the network (true) or lets it back (false); device-lost needs it. */
  silence?(dev: IncidentDevice, silent: boolean): void;
  /** How long each kind lasts (HOLD_MS when absent). */
  holdMs?: Partial<Record<IncidentKind, number>>;
  onEvent(e: FleetEvent): void;
}

export function holdOf(h: IncidentHost, kind: IncidentKind): number {
  return h.holdMs?.[kind] ?? HOLD_MS[kind];
}

/** Reports what an incident did now. */
export function report(
  h: IncidentHost,
  kind: FleetEvent["incident"],
  dev: IncidentDevice,
  detail: string,
): void {
  h.onEvent({ atMs: h.nowMs(), incident: kind, device: dev.name, location: dev.location, detail });
}
