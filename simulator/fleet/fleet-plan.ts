/**
 * Which devices a fleet has and where they are: detectors one per flat,
 * guardians in some flats, chargers a few per shed, buildings and sheds to
 * match. Ids and keys come from the seed (the same seed gives the same
 * fleet, so a gateway's site file written once keeps matching). Each device
 * carries its build configuration with the fleet's normal reporting rates.
 */
import { placeText } from "../../common/place.js";
import type { DeviceConfig, DeviceKind } from "../../firmware/device-config.js";
import { deviceIdHex } from "../../protocol/uplink.js";
import { deriveDeviceId, deriveKeyHex, deviceConfigFor } from "../devices/device-config-for.js";
import type { GuardianRoutine } from "../devices/guardian-model.js";

export interface FleetCounts {
  smoke: number;
  charger: number;
  guardian: number;
}

/** Normal reporting rates (what "normal" means in the fleet benchmark). */
export const FLEET_RATES = {
  /** Status heartbeat of every kind. */
  heartbeatS: 3600,
  /** Charger telemetry (port power, energy, shed temperature). */
  chargerTelemetryS: 10,
  /** Guardian activity report. */
  guardianReportS: 900,
} as const;

export interface FleetLayout {
  /** Flats per building (floors of four flats). Default 24. */
  flatsPerBuilding?: number;
  /** Chargers per shed. Default 3 (12 ports). */
  chargersPerShed?: number;
  /** Ports per charger (1-4 on the Pico's pins). Default 4. */
  portsPerCharger?: number;
  /** Shed power limit (the gateway's default 8,700 W when absent). */
  shedLimitW?: number;
}

export interface FleetDevice {
  /** Name in the fleet: det-b1-101, grd-b1-101, chg-s1-2. */
  name: string;
  /** Device id as 8 hex digits (the gateway's `id`). */
  id: string;
  deviceId: number;
  kind: DeviceKind;
  /** 32 hex digits. */
  key: string;
  building?: string;
  flat?: string;
  shed?: string;
  /** The place within the building or shed, for the gateway: the flat ("101") or "charger-2". */
  location: string;
  /** The whole placement as people read it ("b1/101", "s1/charger-2"; common/place.ts). */
  where: string;
  heartbeatS: number;
  /** Battery devices that listen only after their uplinks. */
  sleepy: boolean;
  config: DeviceConfig;
  /** A guardian resident's day (defaults: guardian-routine.ts). */
  routine?: GuardianRoutine;
  /** The device an incident of this kind picks first (the demo's watched resident, its lost detector). */
  watch?: "welfare" | "device-lost";
}

export interface FleetPlan {
  seed: number;
  devices: FleetDevice[];
  buildings: { id: string; name?: string; flats: string[] }[];
  sheds: { id: string; name?: string; building?: string; limitW?: number; ports?: number }[];
}

export interface PlanOptions {
  counts: FleetCounts;
  seed?: number;
  layout?: FleetLayout;
}

/** Default mix of a compound: 8 detectors to 1 charger to 1 guardian. */
const WEIGHTS: Record<DeviceKind, number> = { smoke: 8, charger: 1, guardian: 1 };

/** Splits `total` devices over `kinds` by the default mix (each kind asked gets at least one). */
export function countsFor(
  total: number,
  kinds: DeviceKind[] = ["smoke", "charger", "guardian"],
): FleetCounts {
  const counts: FleetCounts = { smoke: 0, charger: 0, guardian: 0 };
  const asked = [...new Set(kinds)];
  if (total <= 0 || asked.length === 0) return counts;
  const weight = asked.reduce((s, k) => s + WEIGHTS[k], 0);
  let left = total;
  for (const k of asked) {
    counts[k] = Math.max(total >= asked.length ? 1 : 0, Math.floor((total * WEIGHTS[k]) / weight));
    left -= counts[k];
  }
  // Rounding leftovers go to the first kind asked (detectors in the default mix).
  counts[asked[0]!] += left;
  return counts;
}

function flatName(i: number): string {
  return `${Math.floor(i / 4) + 1}${String((i % 4) + 1).padStart(2, "0")}`;
}

export interface DeviceSpec {
  name: string;
  kind: DeviceKind;
  /** Building, flat, shed and location. */
  where: Partial<FleetDevice>;
  seed: number;
  /** Device ids already taken in this fleet (a collision is salted away and the id added). */
  used: Set<number>;
  /** Overrides of the kind's build thresholds (ports, heartbeatS, reportIntervalS...). */
  thresholds?: Record<string, number>;
}

/** One device of a fleet: id and key from its name and the seed, build config at the fleet's rates. */
export function planDevice(spec: DeviceSpec): FleetDevice {
  const { name, kind, where, seed, used } = spec;
  let deviceId = deriveDeviceId(name, seed);
  for (let salt = 1; used.has(deviceId); salt++) deviceId = deriveDeviceId(`${name}#${salt}`, seed);
  used.add(deviceId);
  const key = deriveKeyHex(name, seed);
  const t = spec.thresholds ?? {};
  const thresholds: Record<string, number> =
    kind === "charger"
      ? { telemetryIntervalS: FLEET_RATES.chargerTelemetryS, ports: t.ports ?? 4 }
      : kind === "guardian"
        ? { reportIntervalS: FLEET_RATES.guardianReportS }
        : {};
  for (const [k, v] of Object.entries(t))
    if (kind === "charger" || k !== "ports") thresholds[k] = v;
  const config = deviceConfigFor({
    name,
    kind,
    deviceId,
    key,
    heartbeatS: FLEET_RATES.heartbeatS,
    thresholds,
  });
  return {
    name,
    id: deviceIdHex(deviceId),
    deviceId,
    kind,
    key,
    location: where.location ?? name,
    where: placeText({ ...where, location: where.location ?? name }) ?? name,
    heartbeatS: config.heartbeatS,
    sleepy: config.listenWindowMs > 0,
    config,
    ...where,
  };
}

export function planFleet(opts: PlanOptions): FleetPlan {
  const seed = opts.seed ?? 1;
  const lay = opts.layout ?? {};
  const flatsPer = Math.max(1, lay.flatsPerBuilding ?? 24);
  const perShed = Math.max(1, lay.chargersPerShed ?? 3);
  const ports = Math.min(4, Math.max(1, lay.portsPerCharger ?? 4));
  const { smoke, charger, guardian } = opts.counts;
  const flatCount = Math.max(smoke, guardian);
  const buildingCount = Math.ceil(flatCount / flatsPer);
  const buildings = Array.from({ length: buildingCount }, (_, b) => ({
    id: `b${b + 1}`,
    flats: Array.from({ length: Math.min(flatsPer, flatCount - b * flatsPer) }, (_, i) =>
      flatName(i),
    ),
  }));
  const shedCount = Math.ceil(charger / perShed);
  const sheds = Array.from({ length: shedCount }, (_, s) => {
    const shed: FleetPlan["sheds"][number] = {
      id: `s${s + 1}`,
      ports: Math.min(12, Math.min(perShed, charger - s * perShed) * ports),
    };
    if (buildings.length > 0) shed.building = buildings[s % buildings.length]!.id;
    if (lay.shedLimitW !== undefined) shed.limitW = lay.shedLimitW;
    return shed;
  });
  const used = new Set<number>();
  const devices: FleetDevice[] = [];
  const add = (name: string, kind: DeviceKind, where: Partial<FleetDevice>) =>
    devices.push(planDevice({ name, kind, where, seed, used, thresholds: { ports } }));
  const flatAt = (i: number) => {
    const b = buildings[Math.floor(i / flatsPer)]!;
    const flat = b.flats[i % flatsPer]!;
    return { building: b.id, flat, location: flat };
  };
  for (let i = 0; i < smoke; i++) {
    const at = flatAt(i);
    add(`det-${at.building}-${at.flat}`, "smoke", at);
  }
  // Guardians spread over the flats (elderly residents live in some of them).
  for (let g = 0; g < guardian; g++) {
    const at = flatAt(Math.floor((g * flatCount) / Math.max(guardian, 1)));
    add(`grd-${at.building}-${at.flat}`, "guardian", at);
  }
  for (let c = 0; c < charger; c++) {
    const shed = sheds[Math.floor(c / perShed)]!;
    const n = (c % perShed) + 1;
    const where: Partial<FleetDevice> = { shed: shed.id, location: `charger-${n}` };
    if (shed.building) where.building = shed.building;
    add(`chg-${shed.id}-${n}`, "charger", where);
  }
  return { seed, devices, buildings, sheds };
}

/** The demo compound: one shed of three 4-port chargers, a guardian per ten flats, detectors. */
export function planDemoFleet(opts: { devices: number; seed?: number }): FleetPlan {
  const total = Math.max(3, opts.devices);
  const charger = Math.min(3, Math.max(1, Math.floor(total / 10)));
  const guardian = Math.max(1, Math.floor(total / 10));
  return planFleet({
    counts: { smoke: total - charger - guardian, charger, guardian },
    seed: opts.seed ?? 1,
    layout: { flatsPerBuilding: 16, chargersPerShed: 3 },
  });
}
