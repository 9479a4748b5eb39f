/**
 * The buildings view (issue 13): building -> floors -> flats, each smoke
 * detector with its state and whether it sounds because of the interlink,
 * and the guardian residents of each building. Built from what the bridge
 * holds (devices with the placement their envelopes carried, active alarms,
 * residents); pure, time passed in.
 *
 * Interlink: the gateway's fire rule sounds every other detector of the
 * building while a detector there is in alarm (gateway/rules/device-event.ts),
 * so a detector of a building with a fire it did not start is shown
 * "sounding (interlink)". The bridge does not receive each detector's
 * confirmation; this is the rule's consequence, not a reading.
 */
import type { UnheardDevice } from "../../protocol/uplink.js";
import type { ResidentView } from "./resident-book.js";
import type { AlarmView, DeviceView } from "./views.js";

export type DetectorState =
  | "alarm"
  | "hush"
  | "fault"
  | "tamper"
  | "low-battery"
  | "end-of-life"
  | "offline"
  | "normal"
  /** Registered at the gateway, never heard from (the gateway's health lists it as unheard). */
  | "not-yet-heard";

export interface DetectorView {
  deviceId: string;
  location?: string;
  state: DetectorState;
  /** Sounding because another detector of the building is in alarm. */
  sounding: boolean;
  /** This detector raised the building's fire. */
  started: boolean;
  lastSeen: number;
  batteryMv?: number;
  alarmId?: string;
  /** For a detector not yet heard: when the gateway registered it. */
  registeredAt?: number;
}

export interface FlatView {
  flat: string;
  detectors: DetectorView[];
}

/** R: a resident as the caller shows it (issue 16's welfare view with its open alarms). */
export interface BuildingView<R extends ResidentView = ResidentView> {
  building: string;
  fire: boolean;
  floors: Array<{ floor: string; flats: FlatView[] }>;
  residents: R[];
}

/** Most telling state first, when a detector has several active alarms. */
const BY_KIND: Array<[string, DetectorState]> = [
  ["fire", "alarm"],
  ["tamper", "tamper"],
  ["smoke-fault", "fault"],
  ["end-of-life", "end-of-life"],
  ["device-lost", "offline"],
  ["low-battery", "low-battery"],
];

/** The flat a location names ("b1 flat 302 kitchen" -> 302), else the whole location. */
export function flatOf(location: string | undefined): string {
  if (!location) return "?";
  const m = /(?:flat|room|室|户)?\s*(\d{3,4})(?!\d)/i.exec(location);
  return m ? m[1]! : location;
}

/** Floor of a flat number (302 -> 3, 1201 -> 12), "?" when it is not one. */
export function floorOf(flat: string): string {
  return /^\d{3,4}$/.test(flat) ? String(Math.floor(Number(flat) / 100)) : "?";
}

export function detectorState(
  d: DeviceView & { online?: boolean },
  alarms: AlarmView[],
): { state: DetectorState; alarm?: AlarmView } {
  for (const [kind, state] of BY_KIND) {
    const a = alarms.find((x) => x.kind === kind);
    if (a) {
      // A hushed fire (cooking nuisance) stays the same alarm, acknowledged as hush by the gateway.
      const hushed = kind === "fire" && /hush/i.test(a.evidence ?? "");
      return { state: hushed ? "hush" : state, alarm: a };
    }
  }
  return { state: d.online === false ? "offline" : "normal" };
}

export function buildingsOf<R extends ResidentView>(
  devices: Array<DeviceView & { online?: boolean }>,
  activeAlarms: AlarmView[],
  residents: R[],
  unheard: UnheardDevice[] = [],
): Array<BuildingView<R>> {
  const byDevice = new Map<string, AlarmView[]>();
  for (const a of activeAlarms) {
    const list = byDevice.get(a.deviceId) ?? [];
    list.push(a);
    byDevice.set(a.deviceId, list);
  }
  const buildings = new Map<string, Map<string, DetectorView[]>>();
  const firing = new Set<string>();
  const detectors: Array<[string, DetectorView]> = [];
  for (const d of devices) {
    if (d.kind !== "smoke") continue;
    const building = d.building ?? "?";
    const { state, alarm } = detectorState(d, byDevice.get(d.deviceId) ?? []);
    if (state === "alarm") firing.add(building);
    const v: DetectorView = {
      deviceId: d.deviceId,
      state,
      sounding: false,
      started: state === "alarm",
      lastSeen: d.lastSeen,
    };
    if (d.location !== undefined) v.location = d.location;
    if (d.batteryMv !== undefined) v.batteryMv = d.batteryMv;
    if (alarm) v.alarmId = alarm.alarmId;
    detectors.push([building, v]);
  }
  // Installed but never heard: placed like the others, never offline, never sounding.
  const heard = new Set(devices.map((d) => d.deviceId));
  for (const u of unheard) {
    if (u.kind !== "smoke" || heard.has(u.deviceId)) continue;
    const v: DetectorView = {
      deviceId: u.deviceId,
      state: "not-yet-heard",
      sounding: false,
      started: false,
      lastSeen: 0,
      registeredAt: u.registeredAt,
    };
    if (u.location !== undefined) v.location = u.location;
    detectors.push([u.building ?? "?", v]);
  }
  for (const [building, v] of detectors) {
    if (firing.has(building) && !v.started && v.state !== "offline" && v.state !== "not-yet-heard")
      v.sounding = true;
    let flats = buildings.get(building);
    if (!flats) {
      flats = new Map();
      buildings.set(building, flats);
    }
    const flat = flatOf(v.location);
    flats.set(flat, [...(flats.get(flat) ?? []), v]);
  }
  for (const r of residents) {
    const b = r.building ?? "?";
    if (!buildings.has(b)) buildings.set(b, new Map());
  }
  return [...buildings.entries()]
    .map(([building, flats]) => {
      const floors = new Map<string, FlatView[]>();
      for (const [flat, list] of [...flats.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
        const f = floorOf(flat);
        floors.set(f, [
          ...(floors.get(f) ?? []),
          { flat, detectors: list.sort((a, b) => a.deviceId.localeCompare(b.deviceId)) },
        ]);
      }
      return {
        building,
        fire: firing.has(building),
        floors: [...floors.entries()]
          .sort((a, b) => Number(b[0]) - Number(a[0]) || a[0].localeCompare(b[0]))
          .map(([floor, fl]) => ({ floor, flats: fl })),
        residents: residents.filter((r) => (r.building ?? "?") === building),
      };
    })
    .sort((a, b) => Number(b.fire) - Number(a.fire) || a.building.localeCompare(b.building));
}
