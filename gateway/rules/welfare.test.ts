import { describe, expect, it } from "vitest";
import type { UplinkMsg } from "../../protocol/messages.js";
import type { WelfareRuleConfig } from "../config/site-config.js";
import type { Action } from "../types.js";
import { device, type Harness, harness, siteFrom, summary } from "./testing.js";
import { type ActivityAt, reportStream } from "./welfare/report-stream.js";
import { limitsOf } from "./welfare/routine.js";
import { residentStates, type WelfareState } from "./welfare.js";

/** Epoch ms of a local (UTC+8) time on day `d` (day 0 = Monday 2025-01-06). */
const local = (d: number, hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  return Date.UTC(2025, 0, 6 + d, h, m) - 480 * 60_000;
};
const H = 3_600_000;
const MIN = 60_000;

const site = (extra = "") =>
  siteFrom(`rules:
  - id: welfare
    kind: welfare
${extra}`);
/** The operator's window, no learning (the documented 07:00-22:00, 3 h). */
const fixed = site("    learn: { days: 0 }\n");
const resident = device(0xd001, "guardian", { building: "b1", location: "301", heartbeatS: 900 });

const activity = (r: {
  at: number;
  doorOpens?: number;
  motionCount?: number;
  idleS?: number;
  batteryMv?: number;
}): UplinkMsg => ({
  type: "guardian-activity",
  doorOpens: r.doorOpens ?? 0,
  motionCount: r.motionCount ?? 0,
  idleS: r.idleS ?? 0,
  batteryMv: r.batteryMv ?? 3000,
});

/** Motion every `everyMin` minutes from `from` to `to` (local, day d). */
function busy(d: number, from: string, to: string, everyMin = 10): ActivityAt[] {
  const out: ActivityAt[] = [];
  for (let t = local(d, from); t < local(d, to); t += everyMin * MIN)
    out.push({ atMs: t, kind: "motion" });
  return out;
}

/** A day: up at `wake`, nap from `napAt` for `napH` hours, bed at 21:30. */
function day(d: number, wake = "07:00", napAt = "13:30", napH = 1.5): ActivityAt[] {
  const napEnd = local(d, napAt) + napH * H;
  return [...busy(d, wake, napAt), ...busy(d, "00:00", "21:30").filter((e) => e.atMs >= napEnd)];
}

interface Logged {
  at: number;
  line: string;
  action: Action;
}

/** Alarm actions only (state changes are checked on their own). */
const lines = (log: Logged[]) => log.map((l) => l.line).filter((l) => !l.startsWith("state"));

/** Runs reports and minute ticks in time order; returns the actions with their time. */
function run(
  h: Harness,
  events: ActivityAt[],
  from: number,
  to: number,
  opts: { silentFrom?: number; batteryMv?: (t: number) => number; streamFrom?: number } = {},
): Logged[] {
  // The sensor runs from streamFrom (its reports before `from` were sent by an earlier run).
  const reports = reportStream(events, opts.streamFrom ?? from, to, 900, opts.batteryMv).filter(
    (r) => r.at >= from,
  );
  const log: Logged[] = [];
  const note = (at: number, actions: Action[]) => {
    for (const a of actions) log.push({ at, line: summary([a])[0]!, action: a });
  };
  let i = 0;
  for (let t = from; t < to; t += MIN) {
    while (i < reports.length && reports[i]!.at <= t) {
      const r = reports[i++]!;
      if (opts.silentFrom !== undefined && r.at >= opts.silentFrom) continue;
      note(r.at, h.send(resident, activity(r), r.at));
    }
    note(t, h.tick(t));
  }
  return log;
}

const stateOf = (h: Harness) =>
  residentStates(h.state.rules.get("welfare")!.state as WelfareState).find(
    (r) => r.deviceId === resident.deviceId,
  )!;

const alarms = (log: Logged[]) => log.filter((l) => l.line.startsWith("raise")).map((l) => l.line);

describe("welfare rule: idle only inside the window", () => {
  it("does not count the night's sleep at the window's start (three ordinary days and nights)", () => {
    const h = harness(fixed, [resident], local(0, "06:00"));
    const events = [0, 1, 2, 3].flatMap((d) => day(d));
    expect(alarms(run(h, events, local(0, "06:00"), local(3, "12:00")))).toEqual([]);
  });

  it("raises a welfare alarm when the resident stops moving, within the limit, after an overdue state", () => {
    const h = harness(fixed, [resident], local(0, "06:00"));
    const events = busy(0, "07:00", "10:00");
    const log = run(h, events, local(0, "06:00"), local(0, "12:30"));
    expect(stateOf(h).state).toBe("overdue"); // 2/3 of 3 h idle
    const more = run(h, events, local(0, "12:30"), local(0, "14:00"));
    expect(alarms([...log, ...more])).toEqual(["raise welfare major 0000d001"]);
    const raised = more.find((l) => l.line.startsWith("raise"))!;
    expect(raised.at - local(0, "09:50")).toBeLessThanOrEqual(3 * H + MIN);
    expect(raised.action).toMatchObject({
      evidence:
        "no door or motion activity (b1/301) for 3.0 h inside the day window 07:00-22:00 (limit 3.0 h, operator default); last activity 09:50 local time",
    });
    expect(stateOf(h).state).toBe("alarm");
    const back = run(
      h,
      [...events, ...busy(0, "14:00", "14:30")],
      local(0, "14:00"),
      local(0, "14:30"),
    );
    expect(lines(back)).toEqual(["clear welfare 0000d001"]);
    expect(stateOf(h).state).toBe("active");
  });

  it("tells each state change once, in the order a day goes", () => {
    const h = harness(fixed, [resident], local(0, "06:00"));
    const events = [
      ...busy(0, "07:00", "10:00"),
      { atMs: local(0, "10:05"), kind: "door" } as ActivityAt,
    ];
    const back = [
      { atMs: local(0, "12:00"), kind: "door" } as ActivityAt,
      ...busy(0, "12:02", "12:30"),
    ];
    const log = run(h, [...events, ...back], local(0, "06:00"), local(0, "17:00"));
    const states = log.filter((l) => l.line.startsWith("state"));
    // The sensor's start at 06:00 counts as activity (it cannot know better).
    expect(states.map((l) => l.line.split(" ")[2])).toEqual([
      "active",
      "quiet",
      "active",
      "away",
      "back",
      "active",
      "quiet",
      "overdue",
      "alarm",
    ]);
    expect(states.find((l) => l.line.endsWith("away"))!.action).toMatchObject({
      type: "resident-state",
      lastActivityAt: local(0, "10:05"),
    });
  });

  it("raises for a resident who never gets up, from the window's start", () => {
    const h = harness(fixed, [resident], local(0, "19:00"));
    const log = run(h, busy(0, "19:00", "21:00"), local(0, "19:00"), local(1, "11:00"));
    const raised = log.filter((l) => l.line.startsWith("raise"));
    expect(raised.map((l) => l.line)).toEqual(["raise welfare major 0000d001"]);
    expect(raised[0]!.at).toBe(local(1, "10:00"));
  });
});

describe("welfare rule: a learned routine inside the operator's bounds", () => {
  it("learns a late riser's wake time and naps, and stays quiet on their late mornings", () => {
    const h = harness(site(), [resident], local(0, "06:00"));
    // Wakes 09:00 or 09:30, naps an hour after lunch; on day 11 gets up at 10:40.
    const events = Array.from({ length: 11 }, (_, d) =>
      day(d, d === 10 ? "10:40" : d % 2 ? "09:30" : "09:00", "13:00", 1),
    ).flat();
    // Installed at midnight (the sensor counts its start as activity).
    const log = run(h, events, local(0, "00:00"), local(10, "12:25"));
    // While learning (7 days) the window opens at learn.latestStart (10:00): no alarm for a late riser.
    expect(alarms(log)).toEqual([]);
    const routine = (h.state.rules.get("welfare")!.state as WelfareState).residents.get(
      0xd001,
    )!.routine;
    const today = routine.days[routine.days.length - 1]!.day;
    // 75th percentile wake 09:30 + 30 min; longest quiet 70 min x 1.2 + 30 min (the latest wake-up, 09:30, is before the start).
    expect(limitsOf(routine, siteRule(h), today)).toEqual({
      startMin: 10 * 60,
      endMin: 22 * 60,
      idleLimitS: 4200 * 1.2 + 1800,
      learned: true,
    });
    // Stops moving after lunch: alarmed at the learned limit (1.9 h), sooner than the default 3 h.
    const stops = events.filter((e) => e.atMs < local(10, "12:30"));
    const after = run(h, stops, local(10, "12:25"), local(10, "16:00"), {
      streamFrom: local(0, "00:00"),
    });
    const raised = after.filter((l) => l.line.startsWith("raise"));
    expect(raised.map((l) => l.line)).toEqual(["raise welfare major 0000d001"]);
    expect(raised[0]!.at).toBe(local(10, "12:20") + 6840_000);
    expect(raised[0]!.action).toMatchObject({
      evidence: expect.stringContaining("learned routine"),
    });
  });

  it("keeps a learned window start and limit inside the operator's limits", () => {
    const rule = siteRuleOf(site());
    const days = (wakeMin: number, quietS: number) =>
      Array.from({ length: 8 }, (_, i) => ({ day: 100 + i, wakeMin, longestQuietS: quietS }));
    // A late morning in the fortnight stretches the limit to cover it.
    const late = days(8 * 60, 1800);
    late[3]!.wakeMin = 10 * 60 + 30;
    expect(limitsOf({ days: late }, rule, 108)).toMatchObject({
      startMin: 8 * 60 + 30,
      idleLimitS: Math.round(2 * 3600 * 1.2 + 1800),
    });
    expect(limitsOf({ days: days(8 * 60 + 30, 5400) }, rule, 108)).toEqual({
      startMin: 9 * 60,
      endMin: 22 * 60,
      idleLimitS: Math.round(5400 * 1.2 + 1800),
      learned: true,
    });
    // A resident who gets up at noon: the window opens no later than latestStart (10:00),
    // and the limit covers the two hours to their wake-up.
    expect(limitsOf({ days: days(12 * 60, 600) }, rule, 108)).toMatchObject({
      startMin: 600,
      idleLimitS: Math.round(2 * 3600 * 1.2 + 1800),
    });
    expect(limitsOf({ days: days(10 * 60 + 15, 600) }, rule, 108)).toMatchObject({
      idleLimitS: rule.minIdleS,
    });
    // Long naps: never beyond maxIdleS.
    expect(limitsOf({ days: days(6 * 60, 5 * 3600) }, rule, 108)).toMatchObject({
      startMin: 6 * 60 + 30,
      idleLimitS: rule.maxIdleS,
    });
    // Not enough days yet: the latest start the operator allows, and the operator's limit.
    expect(limitsOf({ days: days(8 * 60, 600).slice(0, 6) }, rule, 108)).toMatchObject({
      startMin: 10 * 60,
      idleLimitS: rule.maxIdleS,
      learned: false,
    });
    // Learning off: the operator's window.
    expect(limitsOf({ days: days(8 * 60, 600) }, siteRuleOf(fixed), 108)).toMatchObject({
      startMin: 7 * 60,
      idleLimitS: rule.maxIdleS,
      learned: false,
    });
  });
});

function siteRuleOf(s: ReturnType<typeof site>): WelfareRuleConfig {
  return s.rules.find((r) => r.kind === "welfare") as WelfareRuleConfig;
}
function siteRule(h: Harness): WelfareRuleConfig {
  return h.engine.rules.find((r) => r.kind === "welfare") as WelfareRuleConfig;
}

describe("welfare rule: away, back and wandering at night", () => {
  it("is away (no alarm) while out in the daytime, back on return, overdue only after away.overdueS", () => {
    const h = harness(site(), [resident], local(0, "06:00"));
    const out: ActivityAt = { atMs: local(0, "10:05"), kind: "door" };
    const events = [...busy(0, "07:00", "10:00"), out];
    const log = run(h, events, local(0, "06:00"), local(0, "18:00"));
    expect(stateOf(h).state).toBe("away");
    const back: ActivityAt[] = [
      { atMs: local(0, "18:10"), kind: "door" },
      ...busy(0, "18:12", "21:00"),
    ];
    const later = run(h, [...events, ...back], local(0, "18:00"), local(0, "18:30"));
    expect(stateOf(h).state).toBe("back");
    expect(alarms([...log, ...later])).toEqual([]);
    // A weekend away: overdue (call the family) after a day, never a welfare alarm.
    const weekend = [...events, ...back, { atMs: local(0, "20:55"), kind: "door" } as ActivityAt];
    const gone = run(h, weekend, local(0, "18:30"), local(2, "18:00"));
    expect(alarms(gone)).toEqual([]);
    expect(stateOf(h).state).toBe("overdue");
  });

  it.each([
    ["no activity after a night-time door opening", [], ["raise wandering critical 0000d001"]],
    ["motion right after it (went to the door and back to bed)", ["02:04"], []],
  ])("%s", (_name, after, expected) => {
    const h = harness(site(), [resident], local(0, "06:00"));
    const events = [
      ...busy(0, "07:00", "21:30"),
      { atMs: local(1, "02:00"), kind: "door" } as ActivityAt,
      ...after.map((t) => ({ atMs: local(1, t), kind: "motion" }) as ActivityAt),
    ];
    const log = run(h, events, local(0, "06:00"), local(1, "04:00"));
    expect(alarms(log)).toEqual(expected);
    if (expected.length) {
      const raised = log.find((l) => l.line.startsWith("raise"))!;
      expect(raised.at).toBe(local(1, "02:30"));
      expect(raised.action).toMatchObject({
        evidence:
          "door (b1/301) opened at 02:00 at night (23:00-05:00) and no activity for 30 min since (limit 30 min)",
      });
      expect(stateOf(h).state).toBe("wandering");
      const home = run(
        h,
        [...events, { atMs: local(1, "04:10"), kind: "door" }],
        local(1, "04:00"),
        local(1, "04:20"),
      );
      expect(lines(home)).toEqual(["clear wandering 0000d001"]);
      expect(stateOf(h).state).toBe("back");
    }
  });
});

describe("welfare rule: a silent or flat sensor is a device fault, never a welfare alarm", () => {
  it("raises device-lost after 2 x heartbeat of silence and suspends welfare alarms until it reports", () => {
    const h = harness(fixed, [resident], local(0, "06:00"));
    const events = busy(0, "07:00", "10:00");
    const log = run(h, events, local(0, "06:00"), local(0, "20:00"), {
      silentFrom: local(0, "09:00"),
    });
    expect(alarms(log)).toEqual(["raise device-lost major 0000d001"]);
    const raised = log.find((l) => l.line.startsWith("raise"))!;
    // Last report 08:45 (every 15 min), limit 2 x 900 s.
    expect(raised.at).toBe(local(0, "09:16"));
    expect(stateOf(h).state).toBe("sensor-fault");
    // It reports again: the fault clears, and the resident's idle time (real) is judged.
    const again = run(h, events, local(0, "20:00"), local(0, "20:30"));
    expect(lines(again)).toEqual(["clear device-lost 0000d001", "raise welfare major 0000d001"]);
  });

  it("raises low-battery and suspends welfare alarms while the battery is low", () => {
    const h = harness(fixed, [resident], local(0, "06:00"));
    const events = busy(0, "07:00", "10:00");
    const mv = (t: number) => (t < local(0, "09:30") ? 2600 : 2250);
    const log = run(h, events, local(0, "06:00"), local(0, "20:00"), { batteryMv: mv });
    expect(alarms(log)).toEqual(["raise low-battery maintenance 0000d001"]);
    expect(stateOf(h).state).toBe("sensor-fault");
    const fresh = run(h, events, local(0, "20:00"), local(0, "20:30"));
    expect(lines(fresh)).toEqual(["clear low-battery 0000d001", "raise welfare major 0000d001"]);
  });
});

describe("welfare rule config", () => {
  it("fills in the documented defaults", () => {
    expect(siteRuleOf(site())).toMatchObject({
      window: { from: "07:00", to: "22:00" },
      maxIdleS: 10800,
      minIdleS: 5400,
      overdueRatio: 0.66,
      learn: { days: 7, earliestStart: "05:00", latestStart: "10:00" },
      away: { confirmS: 900, overdueS: 86400 },
      night: { from: "23:00", to: "05:00", returnS: 1800 },
      sensor: { silentFactor: 2, lowBatteryMv: 2300 },
      alarm: "welfare",
      severity: "major",
      wandering: { alarm: "wandering", severity: "critical" },
    });
  });

  it("names the path of a bad bound", () => {
    expect(() => site("    minIdleS: 20000\n    maxIdleS: 10800\n")).toThrow(
      /rules\[0\]\.minIdleS.*must not exceed maxIdleS \(10800\)/,
    );
    expect(() => site('    learn: { earliestStart: "11:00" }\n')).toThrow(/learn\.latestStart/);
    expect(() => site('    window: { from: "7:00" }\n')).toThrow(/window\.from/);
  });
});
