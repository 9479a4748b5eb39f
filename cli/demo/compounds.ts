/**
 * The demo's residential compounds (小区): each one site with one gateway,
 * numbered buildings (3号楼) of flats with a smoke detector each, charging
 * sheds named as the property firm names them (东区充电棚 A) with chargers of
 * several sizes, and guardian sensors in some flats of elderly residents who
 * live alone. Names are Chinese with the English after them, as the pages
 * show them; ids are ASCII (URLs, MQTT topics).
 *
 * In each compound one resident is "watched" (an extra inactivity rule with a
 * short limit, a sensor reporting every minute, a resident who stays in and
 * moves about all day) and one detector has a short heartbeat: the welfare
 * and device-lost incidents pick them, so those alarms come within minutes.
 */
import { placeText } from "../../common/place.js";
import type { FleetDevice, FleetPlan } from "../../simulator/fleet/index.js";
import { planDevice } from "../../simulator/fleet/index.js";
import type { DemoPace } from "./pace.js";

export interface CompoundSpec {
  id: string;
  zh: string;
  en: string;
  /** Building number (its id: "3" is 3号楼), floors, flats per floor. */
  buildings: { no: string; floors: number; flatsPerFloor: number }[];
  /** Chargers by their number of ports (1-4 on a Pico). */
  sheds: {
    id: string;
    zh: string;
    en: string;
    building: string;
    limitW: number;
    chargers: number[];
  }[];
  /** Flats with a guardian sensor, "building/flat"; the first is the watched resident. */
  guardians: string[];
}

export const COMPOUNDS: readonly CompoundSpec[] = [
  {
    id: "haitang-garden",
    zh: "海棠苑",
    en: "Haitang Garden",
    buildings: [
      { no: "3", floors: 5, flatsPerFloor: 2 },
      { no: "5", floors: 4, flatsPerFloor: 2 },
    ],
    sheds: [
      {
        id: "east-a",
        zh: "东区充电棚 A",
        en: "East shed A",
        building: "3",
        limitW: 5000,
        chargers: [4, 4, 2],
      },
      {
        id: "north-gate",
        zh: "北门充电棚",
        en: "North gate shed",
        building: "5",
        limitW: 1200,
        chargers: [2],
      },
    ],
    guardians: ["3/301", "5/201", "5/402"],
  },
  {
    id: "yulan-court",
    zh: "玉兰里",
    en: "Magnolia Court",
    buildings: [
      { no: "1", floors: 3, flatsPerFloor: 2 },
      { no: "2", floors: 3, flatsPerFloor: 2 },
    ],
    sheds: [
      {
        id: "south-b",
        zh: "南区充电棚 B",
        en: "South shed B",
        building: "1",
        limitW: 2000,
        chargers: [4, 2],
      },
    ],
    guardians: ["1/201", "2/102"],
  },
  {
    id: "guihua-garden",
    zh: "桂花园",
    en: "Osmanthus Garden",
    buildings: [{ no: "8", floors: 6, flatsPerFloor: 2 }],
    sheds: [
      {
        id: "west-c",
        zh: "西区充电棚 C",
        en: "West shed C",
        building: "8",
        limitW: 3300,
        chargers: [4, 4],
      },
    ],
    guardians: ["8/501", "8/302"],
  },
  {
    id: "ziteng-court",
    zh: "紫藤苑",
    en: "Wisteria Court",
    buildings: [{ no: "2", floors: 4, flatsPerFloor: 2 }],
    sheds: [
      {
        id: "east-d",
        zh: "东区充电棚 D",
        en: "East shed D",
        building: "2",
        limitW: 2000,
        chargers: [4],
      },
    ],
    guardians: ["2/301"],
  },
  {
    id: "yinxing-lane",
    zh: "银杏里",
    en: "Ginkgo Lane",
    buildings: [{ no: "6", floors: 5, flatsPerFloor: 2 }],
    sheds: [
      {
        id: "south-e",
        zh: "南门充电棚 E",
        en: "South gate shed E",
        building: "6",
        limitW: 2600,
        chargers: [4, 2],
      },
    ],
    guardians: ["6/401"],
  },
  {
    id: "zhuyuan",
    zh: "竹园",
    en: "Bamboo Garden",
    buildings: [{ no: "1", floors: 4, flatsPerFloor: 2 }],
    sheds: [
      {
        id: "north-f",
        zh: "北区充电棚 F",
        en: "North shed F",
        building: "1",
        limitW: 1600,
        chargers: [2, 2],
      },
    ],
    guardians: ["1/201"],
  },
];

export const MAX_SITES = COMPOUNDS.length;

/** How the pages name it: Chinese, then English. */
export function siteName(c: CompoundSpec): string {
  return `${c.zh} ${c.en}`;
}

export function buildingName(c: CompoundSpec, no: string): string {
  return `${c.zh} ${no}号楼 (Building ${no})`;
}

export function shedName(s: CompoundSpec["sheds"][number]): string {
  return `${s.zh} (${s.en})`;
}

function flatsOf(b: CompoundSpec["buildings"][number]): string[] {
  const out: string[] = [];
  for (let f = 1; f <= b.floors; f++)
    for (let n = 1; n <= b.flatsPerFloor; n++) out.push(`${f}${String(n).padStart(2, "0")}`);
  return out;
}

/** The watched resident: always at home, up and about day and night, until an incident. */
const WATCHED_ROUTINE = { wakeHour: 0, sleepHour: 24, motionPerHour: 600, goesOut: false };

/** The fleet of one compound: a detector per flat, the guardians, the sheds' chargers. */
export function planCompound(c: CompoundSpec, seed: number, pace: DemoPace): FleetPlan {
  const used = new Set<number>();
  const devices: FleetDevice[] = [];
  const buildings = c.buildings.map((b) => ({
    id: b.no,
    name: buildingName(c, b.no),
    flats: flatsOf(b),
  }));
  const lastBuilding = buildings[buildings.length - 1]!;
  const lostFlat = lastBuilding.flats[lastBuilding.flats.length - 1];
  for (const b of buildings)
    for (const flat of b.flats) {
      const lost = b === lastBuilding && flat === lostFlat;
      const d = planDevice({
        name: `${c.id}/det-${b.id}-${flat}`,
        kind: "smoke",
        where: { building: b.id, flat, location: flat },
        seed,
        used,
        ...(lost ? { thresholds: { heartbeatS: pace.lostHeartbeatS } } : {}),
      });
      if (lost) d.watch = "device-lost";
      devices.push(d);
    }
  c.guardians.forEach((at, i) => {
    const [building, flat] = at.split("/") as [string, string];
    const watched = i === 0;
    const d = planDevice({
      name: `${c.id}/grd-${building}-${flat}`,
      kind: "guardian",
      where: { building, flat, location: flat },
      seed,
      used,
      ...(watched ? { thresholds: { reportIntervalS: pace.watchedReportS } } : {}),
    });
    if (watched) {
      d.watch = "welfare";
      d.routine = WATCHED_ROUTINE;
    }
    devices.push(d);
  });
  for (const s of c.sheds) {
    const chargers = s.chargers.map((ports, i) =>
      planDevice({
        name: `${c.id}/chg-${s.id}-${i + 1}`,
        kind: "charger",
        where: { building: s.building, shed: s.id },
        seed,
        used,
        thresholds: { ports },
      }),
    );
    // Numbered as the dashboard numbers a shed's chargers (by device id), so "charger-2" in
    // the demo's output is "Charger 2" on the shed page.
    chargers.sort((a, b) => a.id.localeCompare(b.id));
    chargers.forEach((d, k) => {
      d.location = `charger-${k + 1}`;
      d.where = placeText(d) ?? d.location;
      devices.push(d);
    });
  }
  const sheds = c.sheds.map((s) => ({
    id: s.id,
    name: shedName(s),
    building: s.building,
    limitW: s.limitW,
    ports: s.chargers.reduce((a, b) => a + b, 0),
  }));
  return { seed, devices, buildings, sheds };
}
