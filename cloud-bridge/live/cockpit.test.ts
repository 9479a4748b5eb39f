import { describe, expect, it } from "vitest";
import type { AlarmTransition, UplinkEnvelope } from "../../protocol/uplink.js";
import { Cockpit, siteSummaryOf } from "./cockpit.js";
import { LiveState } from "./live-state.js";
import { DAY_MS, percentile, ResponseTimes } from "./response-times.js";

const T0 = Date.UTC(2026, 11, 4, 8, 0, 0);
const MIN = 60_000;

function alarm(site: string, id: string, over: Partial<AlarmTransition> = {}): AlarmTransition {
  return {
    v: 1,
    site,
    gateway: `gw-${site}`,
    alarmId: id,
    kind: "port-overload",
    severity: "major",
    deviceId: "00c4a001",
    rule: "r",
    transition: "raised",
    active: true,
    acknowledged: false,
    raisedAt: T0,
    level: 0,
    ts: T0,
    seq: 1,
    historical: false,
    ...over,
  } as AlarmTransition;
}

function telemetry(site: string, shed: string, powers: number[], ts = T0): UplinkEnvelope {
  return {
    v: 1,
    site,
    gateway: `gw-${site}`,
    deviceId: `c${shed}`.padEnd(8, "0").slice(0, 8),
    deviceKind: "charger",
    ts,
    historical: false,
    receivers: [],
    shed,
    body: {
      type: "charger-telemetry",
      tempDeciC: 300,
      ports: powers.map((p) => ({ powerW: p, energyWh: 0, state: 1, relayOn: true })),
    },
  } as unknown as UplinkEnvelope;
}

function cockpit(live: LiveState) {
  return new Cockpit(live, {
    limitOf: () => 1000,
    nearFraction: 0.8,
    offlineAfterMs: 10 * MIN,
    ttlMs: 5000,
  });
}

describe("the district cockpit", () => {
  it("counts open alarms by kind and severity, sheds near and over their limit, and lists fire sites first", () => {
    const live = new LiveState({ recentMs: DAY_MS, maxTimeline: 50, offlineAfterMs: 10 * MIN });
    live.applyAlarm(alarm("a-quiet", "x1", { active: false, transition: "cleared" }));
    live.applyAlarm(alarm("b-busy", "o1"));
    live.applyAlarm(alarm("b-busy", "o2", { severity: "critical", kind: "over-temperature" }));
    live.applyAlarm(
      alarm("c-fire", "f1", { severity: "critical", kind: "fire", raisedAt: T0 + MIN }),
    );
    live.applyEnvelope(telemetry("b-busy", "s1", [500, 350])); // 850 W of 1000: near
    live.applyEnvelope(telemetry("b-busy", "s2", [700, 400])); // over
    live.applyEnvelope(telemetry("b-busy", "s3", [100]));
    const rows = cockpit(live).rows(["a-quiet", "b-busy", "c-fire"], T0 + 2 * MIN);
    expect(rows.map((r) => r.site)).toEqual(["c-fire", "b-busy", "a-quiet"]);
    const busy = rows[1]!;
    expect(busy.alarms.bySeverity).toEqual({ critical: 1, major: 1, minor: 0, maintenance: 0 });
    expect(busy.alarms.byKind).toEqual({ "port-overload": 1, "over-temperature": 1 });
    expect(busy.top?.alarmId).toBe("o2");
    expect(busy.sheds).toMatchObject({ total: 3, near: 1, over: 1 });
    expect(busy.sheds.worst).toEqual({ shed: "s2", totalPowerW: 1100, limitW: 1000 });
    expect(rows[2]!.alarms.active).toBe(0);
    expect(rows[0]!.fire).toBe(1);
  });

  it("recomputes a site's row only when the site changed or the row is old", () => {
    const live = new LiveState({ recentMs: DAY_MS, maxTimeline: 50, offlineAfterMs: 10 * MIN });
    live.applyAlarm(alarm("s", "a1"));
    const c = cockpit(live);
    const first = c.row("s", T0);
    expect(c.row("s", T0 + 1000)).toBe(first);
    live.applyAlarm(alarm("s", "a2", { severity: "critical" }));
    const second = c.row("s", T0 + 2000);
    expect(second).not.toBe(first);
    expect(second.alarms.active).toBe(2);
    // Devices go offline with time alone: an old row is recomputed.
    expect(c.row("s", T0 + 2000 + 5000)).not.toBe(second);
    // Telemetry changes the row but not the response times, which are kept.
    live.applyEnvelope(telemetry("s", "s1", [100], T0 + 8000));
    const third = c.row("s", T0 + 8000);
    expect(third.sheds.total).toBe(1);
    expect(third.response).toBe(second.response);
  });

  it("answers from its rows while only telemetry moved, at once when alarms changed, and catches up in the background", () => {
    const live = new LiveState({ recentMs: DAY_MS, maxTimeline: 50, offlineAfterMs: 10 * MIN });
    live.applyAlarm(alarm("s", "a1"));
    live.applyEnvelope(telemetry("s", "s1", [100], T0));
    const c = cockpit(live);
    expect(c.watched(T0, MIN)).toBe(false);
    const first = c.answerRows(["s"], T0, 15_000)[0]!;
    expect(c.watched(T0 + MIN, MIN)).toBe(true);
    expect(c.watched(T0 + MIN + 1, MIN)).toBe(false);
    // The shed goes over its limit: the answer may lag (the same row) until refresh runs.
    live.applyEnvelope(telemetry("s", "s1", [1200], T0 + 1000));
    expect(c.answerRows(["s"], T0 + 1000, 15_000)[0]).toBe(first);
    expect(c.refresh(["s"], T0 + 1000, 100, 10_000)).toBe(0);
    expect(c.refresh(["s"], T0 + 10_000, 100, 10_000)).toBe(1);
    expect(c.refresh(["s"], T0 + 10_000, 100, 10_000)).toBe(0);
    const caught = c.answerRows(["s"], T0 + 10_000, 15_000)[0]!;
    expect(caught.sheds.over).toBe(1);
    // A fire never waits for the background: alarms changed, the row is computed now.
    live.applyAlarm(alarm("s", "f1", { kind: "fire", severity: "critical" }));
    expect(c.refresh(["s"], T0 + 10_500, 100, 10_000)).toBe(1);
    live.applyAlarm(alarm("s", "f2", { kind: "fire", severity: "critical" }));
    expect(c.answerRows(["s"], T0 + 11_000, 15_000)[0]!.fire).toBe(2);
    // Nor does a row older than the staleness bound.
    const fresh = c.answerRows(["s"], T0 + 11_000, 15_000)[0]!;
    live.applyEnvelope(telemetry("s", "s1", [50], T0 + 12_000));
    const late = c.answerRows(["s"], T0 + 11_000 + 15_000, 15_000)[0]!;
    expect(late).not.toBe(fresh);
    expect(late.sheds.over).toBe(0);
  });

  it("gives the sites overview the same line as the full summary, read off the cockpit row", () => {
    const live = new LiveState({ recentMs: DAY_MS, maxTimeline: 50, offlineAfterMs: 10 * MIN });
    live.applyStatus({ v: 1, site: "s", gateway: "gw-s", online: true, ts: T0 });
    live.applyStatus({ v: 1, site: "s", gateway: "gw-2", online: false, ts: T0 });
    live.applyEnvelope(telemetry("s", "s1", [900], T0));
    live.applyEnvelope(telemetry("s", "s2", [100], T0 - 30 * MIN));
    live.applyAlarm(alarm("s", "a1"));
    live.applyAlarm(alarm("s", "a2", { kind: "fire", severity: "critical", acknowledged: true }));
    live.applyAlarm(alarm("s", "a3", { kind: "welfare", severity: "critical" }));
    live.applyAlarm(alarm("s", "a4", { active: false, transition: "cleared" }));
    live.applyAlarm(alarm("s", "a5", { kind: "device-lost", deviceId: "cs100000" }));
    live.applyHealth({
      v: 1,
      site: "s",
      gateway: "gw-s",
      ts: T0,
      uplink: "connected",
      outboxDepth: 0,
      oldestEntryAgeS: 0,
      devices: 3,
      pendingDevices: 0,
      activeAlarms: 0,
      counters: {},
      unheard: [{ deviceId: "0000abce", kind: "smoke", registeredAt: T0 }],
    });
    const now = T0 + MIN;
    const line = siteSummaryOf(cockpit(live).row("s", now), live.unheardCount("s"));
    expect(line).toEqual(live.summary("s", now));
    expect(line.devices).toEqual({ total: 3, offline: 2, unheard: 1 });
    expect(line.alarms.fire).toBe(1);
    expect(line.gateways.offline).toBe(1);
  });

  it("measures time to acknowledge and to clear per site, this week against the week before", () => {
    const live = new LiveState({
      recentMs: 30 * DAY_MS,
      maxTimeline: 50,
      offlineAfterMs: 10 * MIN,
    });
    const now = T0 + 14 * DAY_MS;
    // Last week: acknowledged after 10 min; this week after 1, 2, 3 min; one cleared after 20 min.
    const raise = (id: string, at: number, ackAfter: number, seq: number) => {
      live.applyAlarm(alarm("s", id, { raisedAt: at, ts: at, seq }));
      live.applyAlarm(
        alarm("s", id, {
          raisedAt: at,
          ts: at + ackAfter,
          seq: seq + 1,
          transition: "acknowledged",
          acknowledged: true,
          acknowledgedAt: at + ackAfter,
        }),
      );
    };
    raise("old", now - 10 * DAY_MS, 10 * MIN, 1);
    raise("w1", now - 3 * DAY_MS, 1 * MIN, 1);
    raise("w2", now - 2 * DAY_MS, 2 * MIN, 1);
    raise("w3", now - 1 * DAY_MS + MIN, 3 * MIN, 1);
    live.applyAlarm(
      alarm("s", "w3", {
        raisedAt: now - DAY_MS + MIN,
        ts: now - DAY_MS + 21 * MIN,
        seq: 3,
        transition: "cleared",
        active: false,
        acknowledged: true,
        acknowledgedAt: now - DAY_MS + 4 * MIN,
        clearedAt: now - DAY_MS + 21 * MIN,
      }),
    );
    const r = cockpit(live).row("s", now).response;
    expect(r.ack).toEqual({ n: 3, p50Ms: 2 * MIN, p90Ms: 3 * MIN });
    expect(r.ackPrev).toEqual({ n: 1, p50Ms: 10 * MIN, p90Ms: 10 * MIN });
    expect(r.clear).toEqual({ n: 1, p50Ms: 20 * MIN, p90Ms: 20 * MIN });
    expect(r.ackDailyP50Ms).toHaveLength(7);
    expect(r.ackDailyP50Ms[6]).toBe(3 * MIN);
    expect(r.ackDailyP50Ms[0]).toBeNull();
  });
});

describe("percentiles", () => {
  it("takes the nearest rank", () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(xs, 50)).toBe(5);
    expect(percentile(xs, 90)).toBe(9);
    expect(percentile([], 50)).toBeUndefined();
    const rt = new ResponseTimes();
    rt.add("ack", "clock-fault", T0, T0 - 1); // acknowledged before it was raised: a clock fault, not a sample
    expect(rt.summary(T0).ack.n).toBe(0);
  });
});
