import { describe, expect, it } from "vitest";
import type { AlarmTransition, UplinkEnvelope } from "../../protocol/uplink.js";
import { LiveState } from "./live-state.js";

const state = () =>
  new LiveState({ recentMs: 3600_000, maxTimeline: 5, offlineAfterMs: 90_000_000 });

const tr = (over: Partial<AlarmTransition>): AlarmTransition => ({
  v: 1,
  site: "s1",
  gateway: "g1",
  alarmId: "a1",
  transition: "raised",
  kind: "tamper",
  severity: "major",
  deviceId: "0000abcd",
  rule: "tamper",
  active: true,
  acknowledged: false,
  raisedAt: 1000,
  level: 0,
  seq: 1,
  ts: 1000,
  historical: false,
  ...over,
});

const status = (ts: number, batteryMv: number): UplinkEnvelope => ({
  v: 1,
  site: "s1",
  gateway: "g1",
  deviceId: "0000abcd",
  deviceKind: "smoke",
  seq: ts,
  counter: 1,
  ts,
  historical: false,
  receivers: [{ receiver: "r0", rssi: -90 }],
  body: {
    type: "status",
    deviceKind: 1,
    batteryMv,
    fwMajor: 2,
    fwMinor: 0,
    fwPatch: 1,
    uptimeS: 1,
    resetCause: 0,
  },
});

describe("LiveState alarms", () => {
  it("applies transitions in gateway order and ignores redelivered or late copies", () => {
    const s = state();
    expect(s.applyAlarm(tr({}))).toBeDefined();
    const cleared = tr({ transition: "cleared", active: false, seq: 3, ts: 3000, clearedAt: 3000 });
    expect(s.applyAlarm(cleared)?.active).toBe(false);
    expect(s.applyAlarm(cleared)).toBeUndefined();
    expect(
      s.applyAlarm(tr({ transition: "acknowledged", acknowledged: true, seq: 2, ts: 2000 })),
    ).toBeUndefined();
    const a = s.alarm("s1", "a1")!;
    expect(a.timeline.map((t) => t.what)).toEqual(["raised", "cleared"]);
    expect(a.clearedAt).toBe(3000);
  });

  it("keeps the timeline bounded, with the raise first", () => {
    const s = state();
    s.applyAlarm(tr({}));
    for (let i = 0; i < 10; i++)
      s.noteAlarm("s1", "a1", { at: 2000 + i, what: "notified", target: `h${i}` });
    const t = s.alarm("s1", "a1")!.timeline;
    expect(t).toHaveLength(5);
    expect(t[0]!.what).toBe("raised");
    expect(t[4]!.target).toBe("h9");
  });

  it("forgets cleared alarms after the recent window, never active ones", () => {
    const s = state();
    s.applyAlarm(tr({ alarmId: "old", transition: "cleared", active: false }));
    s.applyAlarm(tr({ alarmId: "live" }));
    s.prune(1000 + 3600_001);
    expect(s.alarms("s1").map((a) => a.alarmId)).toEqual(["live"]);
  });
});

describe("LiveState devices", () => {
  it("keeps the newest reading when a backlog message arrives late", () => {
    const s = state();
    s.applyEnvelope(status(5000, 2900));
    s.applyEnvelope({ ...status(4000, 3100), historical: true });
    expect(s.devices("s1", 6000)[0]).toMatchObject({
      lastSeen: 5000,
      batteryMv: 2900,
      rssiDbm: -90,
      firmware: "2.0.1",
      online: true,
    });
  });

  it("marks a device offline when silent too long or when a device-lost alarm is active", () => {
    const s = state();
    s.applyEnvelope(status(5000, 2900));
    expect(s.devices("s1", 5000 + 90_000_001)[0]!.online).toBe(false);
    s.applyAlarm(tr({ kind: "device-lost", alarmId: "lost" }));
    expect(s.devices("s1", 6000)[0]!.online).toBe(false);
    expect(s.summary("s1", 6000).devices).toEqual({ total: 1, offline: 1, unheard: 0 });
  });

  it("takes gateway status by time: an old retained status does not undo a newer one", () => {
    const s = state();
    s.applyStatus({ v: 1, site: "s1", gateway: "g1", online: false, ts: 2000 });
    expect(
      s.applyStatus({ v: 1, site: "s1", gateway: "g1", online: true, ts: 1000 }),
    ).toBeUndefined();
    expect(s.summary("s1", 3000).gateways).toEqual({ total: 1, online: 0, offline: 1 });
  });

  it("says a gateway was last seen at its latest message of any kind, not its birth message", () => {
    const s = state();
    s.applyStatus({ v: 1, site: "s1", gateway: "g1", online: true, ts: 1000 });
    const h = { v: 1, site: "s1", gateway: "g1", ts: 4000, uplink: "connected" } as const;
    const counts = { outboxDepth: 0, oldestEntryAgeS: 0, devices: 1, pendingDevices: 0 };
    s.applyHealth({ ...h, ...counts, activeAlarms: 0, counters: {} });
    expect(s.gateway("s1", "g1")!.lastSeen).toBe(4000);
    s.applyEnvelope(status(5000, 2900));
    expect(s.gateway("s1", "g1")!.lastSeen).toBe(5000);
    s.applyAlarm(tr({ ts: 7000, seq: 9 }));
    expect(s.gateway("s1", "g1")!.lastSeen).toBe(7000);
    // A backlog message tells when it happened, not that the gateway is talking now.
    s.applyEnvelope({ ...status(9000, 2900), historical: true });
    expect(s.gateway("s1", "g1")!.lastSeen).toBe(7000);
  });

  it("shows no battery for a device that reports none (0 mV: mains-powered)", () => {
    const s = state();
    s.applyEnvelope(status(5000, 0));
    expect(s.devices("s1", 5000)[0]!.batteryMv).toBeUndefined();
  });
});

describe("LiveState devices installed but not yet heard", () => {
  const health = (ts: number, unheard: string[]) => ({
    v: 1 as const,
    site: "s1",
    gateway: "g1",
    ts,
    uplink: "connected" as const,
    outboxDepth: 0,
    oldestEntryAgeS: 0,
    devices: 1 + unheard.length,
    pendingDevices: 0,
    activeAlarms: 0,
    counters: {},
    unheard: unheard.map((deviceId) => ({
      deviceId,
      kind: "smoke" as const,
      registeredAt: 500,
      building: "b1",
      location: "102",
    })),
  });

  it("lists what the gateway's health names until the device is heard, counted but never offline", () => {
    const s = state();
    s.applyEnvelope(status(1000, 2900));
    s.applyHealth(health(2000, ["0000abce"]));
    expect(s.unheardDevices("s1")).toEqual([
      {
        deviceId: "0000abce",
        gateway: "g1",
        kind: "smoke",
        registeredAt: 500,
        building: "b1",
        location: "102",
      },
    ]);
    expect(s.summary("s1", 3000).devices).toEqual({ total: 2, offline: 0, unheard: 1 });
    // An older health does not bring back a list the gateway has replaced.
    s.applyHealth(health(4000, []));
    s.applyHealth(health(3000, ["0000abce"]));
    expect(s.unheardDevices("s1")).toEqual([]);
    // Heard before the gateway's next health: listed as a device, not as unheard.
    s.applyHealth(health(5000, ["0000abcd"]));
    expect(s.unheardDevices("s1")).toEqual([]);
    expect(s.summary("s1", 5000).devices.total).toBe(1);
  });
});
