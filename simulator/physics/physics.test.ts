import { describe, expect, it } from "vitest";
import { batteryMvAt, newBattery } from "./battery.js";
import { createLoad } from "./charger-loads.js";
import { routineEvents } from "./guardian-routine.js";
import { createRng } from "./prng.js";
import { newShedThermal, shedTempDeciC, stepShed } from "./shed-thermal.js";
import { CLEAN_AIR_LEVEL, smokeLevelAt } from "./smoke-chamber.js";

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;

function firstCrossing(f: (t: number) => number, level: number, untilMs: number, stepMs = S) {
  for (let t = 0; t <= untilMs; t += stepMs) if (f(t) >= level) return t;
  return undefined;
}

describe("seeded random streams", () => {
  it("gives the same sequence for the same seed and different ones for forks", () => {
    const a = createRng(42);
    const b = createRng(42);
    const seqA = [a.next(), a.next(), a.next()];
    expect([b.next(), b.next(), b.next()]).toEqual(seqA);
    const f1 = createRng(42).fork("det-1").next();
    const f2 = createRng(42).fork("det-2").next();
    expect(f1).not.toBe(f2);
    expect(createRng(43).next()).not.toBe(seqA[0]);
  });
});

describe("smoke chamber", () => {
  it("a flaming fire crosses a 300 alarm level within two minutes, a smouldering one takes many", () => {
    const flaming = firstCrossing(
      (t) => smokeLevelAt({ profile: "flaming", startMs: 0 }, t),
      300,
      H,
    );
    const smoulder = firstCrossing(
      (t) => smokeLevelAt({ profile: "smouldering", startMs: 0 }, t),
      300,
      H,
    );
    expect(flaming).toBeDefined();
    expect(flaming!).toBeLessThan(2 * MIN);
    expect(smoulder).toBeDefined();
    expect(smoulder!).toBeGreaterThan(5 * MIN);
  });

  it("cooking smoke peaks over the alarm level and falls back to clean air", () => {
    const src = { profile: "cooking" as const, startMs: 10 * S };
    const peak = Math.max(...Array.from({ length: 600 }, (_, i) => smokeLevelAt(src, i * S)));
    expect(peak).toBeGreaterThan(300);
    expect(smokeLevelAt(src, 20 * MIN)).toBeLessThan(CLEAN_AIR_LEVEL + 10);
  });

  it("cooking that turns into a fire keeps rising after the peak", () => {
    const src = { profile: "cooking-then-fire" as const, startMs: 0 };
    expect(smokeLevelAt(src, 15 * MIN)).toBeGreaterThan(1000);
  });
});

describe("battery", () => {
  it("drains with time and faster while sounding", () => {
    const b = newBattery(3000, 0, 1);
    expect(batteryMvAt(b, 10 * 24 * H)).toBeCloseTo(2990, 5);
    b.soundingMs = 10 * H;
    expect(batteryMvAt(b, 10 * 24 * H)).toBeLessThan(2990);
  });
});

describe("charger port loads", () => {
  it("a lithium charger holds constant current, tapers below 45 W and drops to standby", () => {
    const load = createLoad("lithium");
    const early = load.powerW(10 * MIN);
    expect(early).toBeGreaterThan(130);
    expect(early).toBeLessThan(200);
    expect(load.powerW(2 * H)).toBeGreaterThan(early); // voltage rises in CC
    const below45 = firstCrossing((t) => 1000 - load.powerW(t), 1000 - 45, 12 * H, MIN);
    expect(below45).toBeDefined();
    expect(below45!).toBeGreaterThan(3 * H);
    expect(below45!).toBeLessThan(load.doneAfterMs!);
    expect(load.powerW(load.doneAfterMs! + MIN)).toBeLessThan(5);
  });

  it("delivers about the missing charge over the session", () => {
    const load = createLoad("lithium", { capacityWh: 720, startSoc: 0.2 });
    let wh = 0;
    for (let t = 0; t < 12 * H; t += MIN) wh += load.powerW(t) / 60;
    const expectedWh = (720 * 0.8) / 0.9;
    expect(Math.abs(wh - expectedWh) / expectedWh).toBeLessThan(0.1);
  });

  it("a lead-acid charger ends on a float power under 20 W", () => {
    const load = createLoad("lead-acid");
    expect(load.powerW(30 * MIN)).toBeGreaterThan(100);
    expect(load.powerW(load.doneAfterMs! + H)).toBeLessThan(20);
    expect(load.powerW(load.doneAfterMs! + H)).toBeGreaterThan(5);
  });

  it("a heater is flat with no taper, and a short far exceeds any port limit", () => {
    const heater = createLoad("heater", { powerW: 950 });
    expect(heater.powerW(MIN)).toBe(950);
    expect(heater.powerW(3 * H)).toBe(950);
    expect(createLoad("short").powerW(0)).toBeGreaterThan(4000);
  });
});

describe("shed thermal model", () => {
  it("a hot contact heats while its port carries current and cools when cut", () => {
    const shed = newShedThermal(250);
    shed.contacts.push({ port: 1, riseDeciC: 500, tauMs: 5 * MIN });
    const start = shedTempDeciC(shed, 0);
    let on = true;
    for (let t = 0; t < 30 * MIN; t += 10 * S) stepShed(shed, 10 * S, () => on);
    const hot = shedTempDeciC(shed, 30 * MIN);
    expect(hot - start).toBeGreaterThan(450);
    on = false;
    for (let t = 0; t < 60 * MIN; t += 10 * S) stepShed(shed, 10 * S, () => on);
    expect(shedTempDeciC(shed, 90 * MIN) - start).toBeLessThan(100);
  });
});

describe("guardian routine", () => {
  const opts = { midnightMs: 0 };
  it("is active in waking hours, still at night, and the same for the same seed", () => {
    const ev = routineEvents(createRng(7).fork("g"), opts, 0, 24 * H);
    const again = routineEvents(createRng(7).fork("g"), opts, 0, 24 * H);
    expect(ev).toEqual(again);
    expect(ev.filter((e) => e.kind === "door").length).toBe(2);
    expect(ev.length).toBeGreaterThan(40);
    expect(ev.every((e) => e.atMs > 6 * H && e.atMs < 23 * H)).toBe(true);
  });

  it("has no activity after the resident stops moving", () => {
    const ev = routineEvents(
      createRng(7).fork("g"),
      { ...opts, stopsMovingAtMs: 12 * H },
      0,
      48 * H,
    );
    expect(ev.length).toBeGreaterThan(5);
    expect(ev.every((e) => e.atMs < 12 * H)).toBe(true);
  });

  it("keeps the plain routine's events when the month-long variations are off", () => {
    const plain = routineEvents(createRng(7).fork("g"), opts, 0, 24 * H);
    const withZeros = routineEvents(
      createRng(7).fork("g"),
      { ...opts, lateMorningChance: 0, nightTripChance: 0, away: [], visitorsMs: [] },
      0,
      24 * H,
    );
    expect(withZeros).toEqual(plain);
  });

  it("naps in the afternoon, sleeps in on some days, and makes night trips", () => {
    const o = { ...opts, napHour: 14, napHours: 1.5, lateMorningChance: 0.3, nightTripChance: 0.5 };
    const days = 20;
    const ev = routineEvents(createRng(3).fork("g"), o, 0, days * 24 * H);
    const hourOf = (t: number) => (t % (24 * H)) / H;
    const firstOfDay = Array.from({ length: days }, (_, d) =>
      ev.find((e) => e.atMs >= d * 24 * H + 5 * H && e.kind === "motion"),
    ).map((e) => hourOf(e!.atMs));
    expect(firstOfDay.filter((h) => h > 8).length).toBeGreaterThan(1); // late mornings
    expect(firstOfDay.filter((h) => h < 8).length).toBeGreaterThan(days / 2);
    const nights = new Set(
      ev.filter((e) => hourOf(e.atMs) < 5).map((e) => Math.floor(e.atMs / (24 * H))),
    );
    expect(nights.size).toBeGreaterThan(3);
    expect(nights.size).toBeLessThan(days);
    // Each day has a quiet hour in the afternoon (the nap, at least 0.7 x 1.5 h long).
    for (let d = 0; d < days; d++) {
      const pm = ev
        .filter((e) => e.atMs >= d * 24 * H + 12 * H && e.atMs < d * 24 * H + 17 * H)
        .map((e) => e.atMs);
      const gaps = pm.slice(1).map((t, i) => t - pm[i]!);
      expect(Math.max(...gaps)).toBeGreaterThanOrEqual(H);
    }
  });

  it("is silent while away, with the door at both ends, and busy with a visitor", () => {
    const away = { fromMs: 34 * H, toMs: 65 * H };
    const ev = routineEvents(
      createRng(7).fork("g"),
      { ...opts, away: [away], visitorsMs: [80 * H] },
      0,
      96 * H,
    );
    const inside = ev.filter((e) => e.atMs >= away.fromMs && e.atMs <= away.toMs);
    expect(inside).toEqual([
      { atMs: away.fromMs, kind: "door" },
      { atMs: away.toMs, kind: "door" },
    ]);
    const visit = ev.filter((e) => e.atMs >= 80 * H && e.atMs <= 82 * H);
    expect(visit.filter((e) => e.kind === "door").length).toBeGreaterThanOrEqual(2);
    expect(visit.filter((e) => e.kind === "motion").length).toBeGreaterThan(30);
  });
});
