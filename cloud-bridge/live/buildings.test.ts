import { describe, expect, it } from "vitest";
import { buildingsOf, flatOf, floorOf } from "./buildings.js";
import type { AlarmView, DeviceView } from "./views.js";

const det = (id: string, building: string, location: string, online = true) =>
  ({
    deviceId: id,
    gateway: "g",
    kind: "smoke",
    lastSeen: 1,
    building,
    location,
    online,
  }) as DeviceView & { online: boolean };

const active = (deviceId: string, kind: AlarmView["kind"], evidence?: string) =>
  ({
    site: "s",
    gateway: "g",
    alarmId: `${kind}-${deviceId}`,
    kind,
    severity: "critical",
    deviceId,
    rule: "r",
    active: true,
    acknowledged: false,
    raisedAt: 1,
    level: 0,
    lastTransition: "raised",
    updatedAt: 1,
    historical: false,
    seq: 1,
    timeline: [],
    ...(evidence ? { evidence } : {}),
  }) as AlarmView;

describe("buildings view", () => {
  it("places flats on floors", () => {
    expect(flatOf("b1 flat 302 kitchen")).toBe("302");
    expect(flatOf("3号楼 1201室")).toBe("1201");
    expect(flatOf("stair well")).toBe("stair well");
    expect(floorOf("1201")).toBe("12");
    expect(floorOf("stair well")).toBe("?");
  });

  it("marks the detector that started a fire and the others of its building as sounding", () => {
    const devices = [
      det("a1", "b1", "flat 101"),
      det("a2", "b1", "flat 302"),
      det("a3", "b1", "flat 302 hall", false),
      det("b1", "b2", "flat 101"),
      { ...det("c1", "b1", "shed"), kind: "charger" } as DeviceView,
    ];
    const alarms = [active("a2", "fire"), active("b1", "tamper")];
    const [b1, b2] = buildingsOf(devices, alarms, []);
    expect(b1!.building).toBe("b1");
    expect(b1!.fire).toBe(true);
    const flat = (floor: string, f: string) =>
      b1!.floors.find((x) => x.floor === floor)!.flats.find((x) => x.flat === f)!.detectors;
    expect(b1!.floors.map((f) => f.floor)).toEqual(["3", "1"]);
    expect(flat("3", "302")[0]).toMatchObject({ deviceId: "a2", state: "alarm", started: true });
    expect(flat("1", "101")[0]).toMatchObject({ state: "normal", sounding: true, started: false });
    // An offline detector cannot be said to sound.
    expect(flat("3", "302")[1]).toMatchObject({
      deviceId: "a3",
      state: "offline",
      sounding: false,
    });
    expect(b2!.fire).toBe(false);
    expect(b2!.floors[0]!.flats[0]!.detectors[0]).toMatchObject({
      state: "tamper",
      sounding: false,
    });
  });

  it("shows a hushed fire as hush", () => {
    const [b] = buildingsOf(
      [det("a1", "b1", "flat 101")],
      [active("a1", "fire", "hush: smoke 1 %/m")],
      [],
    );
    expect(b!.floors[0]!.flats[0]!.detectors[0]!.state).toBe("hush");
  });

  it("lists a detector installed but not yet heard in its flat, never as sounding", () => {
    const [b] = buildingsOf(
      [det("d1", "b1", "b1 flat 101")],
      [active("d1", "fire")],
      [],
      [
        { deviceId: "d2", kind: "smoke", registeredAt: 5, building: "b1", location: "b1 flat 302" },
        { deviceId: "d1", kind: "smoke", registeredAt: 1, building: "b1", location: "b1 flat 101" },
        { deviceId: "c1", kind: "charger", registeredAt: 5, building: "b1" },
      ],
    );
    const all = b!.floors.flatMap((f) => f.flats.flatMap((fl) => fl.detectors));
    expect(all.map((d) => [d.deviceId, d.state])).toEqual([
      ["d2", "not-yet-heard"],
      ["d1", "alarm"],
    ]);
    const d2 = all[0]!;
    expect(d2).toMatchObject({ sounding: false, registeredAt: 5 });
    expect(b!.floors[0]!.floor).toBe("3");
  });
});
