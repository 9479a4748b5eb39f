import { describe, expect, it } from "vitest";
import type { AlarmTransition, UplinkEnvelope } from "../../protocol/uplink.js";
import { escapeTag, timestampNs } from "./line-protocol.js";
import { alarmPoints, devicePoints, healthPoints } from "./points.js";

const base = {
  v: 1 as const,
  site: "s1",
  gateway: "g1",
  deviceId: "0000abcd",
  seq: 1234567,
  counter: 9,
  ts: 1700000000123,
  historical: false,
};

describe("points", () => {
  it("writes one line per port, one for the shed and one for the uplink, on the envelope's time", () => {
    const env: UplinkEnvelope = {
      ...base,
      deviceKind: "charger",
      receivers: [{ receiver: "rs485" }],
      body: {
        type: "charger-telemetry",
        tempDeciC: 312,
        ports: [
          { powerW: 180, energyWh: 20, state: 1, relayOn: true },
          { powerW: 0, energyWh: 0, state: 4, relayOn: false },
        ],
      },
    };
    expect(devicePoints(env)).toEqual([
      "uplink,device=0000abcd,gateway=g1,kind=charger,site=s1,type=charger-telemetry seq=1234567i,counter=9i,receivers=1i,historical=0i 1700000000123234567",
      "charger_port,device=0000abcd,gateway=g1,kind=charger,port=0,site=s1 power_w=180i,energy_wh=20i,state=1i,relay=1i,historical=0i 1700000000123234567",
      "charger_port,device=0000abcd,gateway=g1,kind=charger,port=1,site=s1 power_w=0i,energy_wh=0i,state=4i,relay=0i,historical=0i 1700000000123234567",
      "charger_shed,device=0000abcd,gateway=g1,kind=charger,site=s1 temp_c=31.2,total_power_w=180i,ports_charging=1i,historical=0i 1700000000123234567",
    ]);
  });

  it("gives the same lines for the same message (idempotent writes)", () => {
    const env: UplinkEnvelope = {
      ...base,
      deviceKind: "smoke",
      receivers: [{ receiver: "r", rssi: -70 }],
      body: { type: "smoke-event", event: 1, smokeLevel: 1250, batteryMv: 2900, eventId: 4 },
    };
    expect(devicePoints(env)).toEqual(devicePoints(structuredClone(env)));
    expect(devicePoints(env)[1]).toBe(
      "smoke_event,device=0000abcd,gateway=g1,kind=smoke,event=alarm,site=s1 smoke_pct_per_m=12.5,battery_mv=2900i,event_id=4i,historical=0i 1700000000123234567",
    );
  });

  it("names charger event codes and the whole-shed port", () => {
    const env: UplinkEnvelope = {
      ...base,
      deviceKind: "charger",
      receivers: [],
      historical: true,
      body: {
        type: "charger-event",
        port: 255,
        event: 1,
        reason: 2,
        powerW: 9000,
        tempDeciC: 250,
        sessionS: 0,
      },
    };
    expect(devicePoints(env)[1]).toContain(
      "charger_event,device=0000abcd,gateway=g1,kind=charger,event=cut,port=all,reason=shed-total,site=s1 ",
    );
    expect(devicePoints(env)[1]).toContain("historical=1i");
  });

  it("tags alarms and keeps their times as fields", () => {
    const a: AlarmTransition = {
      ...base,
      alarmId: "a 1",
      transition: "cleared",
      kind: "fire",
      severity: "critical",
      rule: "smoke",
      active: false,
      acknowledged: true,
      raisedAt: 1700000000000,
      clearedAt: 1700000000100,
      level: 0,
    };
    expect(alarmPoints(a)[0]).toBe(
      "alarm,alarm_id=a\\ 1,device=0000abcd,gateway=g1,kind=fire,rule=smoke,severity=critical,site=s1,transition=cleared level=0i,seq=1234567i,active=0i,acknowledged=1i,raised_at_ms=1700000000000i,cleared_at_ms=1700000000100i,historical=0i 1700000000123234567",
    );
  });

  it("writes gateway counters one line each", () => {
    const lines = healthPoints({
      v: 1,
      site: "s1",
      gateway: "g1",
      ts: 5,
      uplink: "disconnected",
      outboxDepth: 1,
      oldestEntryAgeS: 2,
      devices: 3,
      pendingDevices: 0,
      activeAlarms: 0,
      counters: { "bad mac": 4 },
    });
    expect(lines[1]).toBe("gateway_counter,counter=bad\\ mac,gateway=g1,site=s1 value=4 5000000");
  });

  it("escapes tags and builds nanosecond timestamps beyond 2^53 as text", () => {
    expect(escapeTag("a,b=c d")).toBe("a\\,b\\=c\\ d");
    expect(timestampNs(1700000000123, 1_000_042)).toBe("1700000000123000042");
    expect(timestampNs(1700000000123.9)).toBe("1700000000123000000");
  });
});
