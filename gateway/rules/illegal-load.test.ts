import { describe, expect, it } from "vitest";
import {
  CHARGER_EVENT_RESTORED,
  PORT_CUT_ILLEGAL_LOAD,
  REASON_COMMAND,
  REASON_ILLEGAL_LOAD,
} from "../../protocol/constants.js";
import { createRng } from "../../simulator/physics/prng.js";
import type { Action } from "../types.js";
import {
  clearSamples,
  MAX_SAMPLES,
  newTrack,
  type PortTrack,
  pushSample,
  sampleAt,
  sampleCount,
  samplePool,
  sampleW,
} from "./illegal-load.js";
import {
  chargerEvent,
  device,
  harness,
  port,
  siteFrom,
  summary,
  T0,
  telemetry,
} from "./testing.js";

const site = siteFrom("rules:\n  - { id: illegal, kind: illegal-load }\n");
const board = device(0xc001, "charger", { shed: "s1" });

/** Deterministic noise (mulberry32). */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Curve {
  softStartS: number;
  ccStartW: number;
  ccEndW: number;
  ccMin: number;
  cvMin: number;
  endW: number;
  noisePct: number;
  intervalS: number;
  /** Extra readings [second, watts] replacing the curve's (e.g. an overshoot). */
  overrides?: Record<number, number>;
}

/** A lithium CC/CV charge: soft start, constant current (power rises with the pack voltage), taper. */
function ccCv(c: Curve, seed = 1): Array<[number, number]> {
  const rnd = prng(seed);
  const out: Array<[number, number]> = [];
  const ccEnd = c.softStartS + c.ccMin * 60;
  const cvEnd = ccEnd + c.cvMin * 60;
  const k = Math.log(c.ccEndW / c.endW) / (c.cvMin * 60);
  for (let t = 0; t <= cvEnd + 120; t += c.intervalS) {
    let w: number;
    if (t < c.softStartS) w = (c.ccStartW * t) / c.softStartS;
    else if (t < ccEnd)
      w = c.ccStartW + ((c.ccEndW - c.ccStartW) * (t - c.softStartS)) / (ccEnd - c.softStartS);
    else if (t < cvEnd) w = c.ccEndW * Math.exp(-k * (t - ccEnd));
    else w = 0;
    w *= 1 + ((rnd() * 2 - 1) * c.noisePct) / 100;
    out.push([t, Math.max(0, Math.round(c.overrides?.[t] ?? w))]);
  }
  return out;
}

const normalCharges: Array<[string, Curve]> = [
  [
    "48 V 20 Ah pack on a 5 A charger",
    {
      softStartS: 3,
      ccStartW: 230,
      ccEndW: 273,
      ccMin: 150,
      cvMin: 60,
      endW: 25,
      noisePct: 2,
      intervalS: 10,
    },
  ],
  [
    "48 V 12 Ah pack on a 2 A charger",
    {
      softStartS: 2,
      ccStartW: 90,
      ccEndW: 110,
      ccMin: 300,
      cvMin: 90,
      endW: 10,
      noisePct: 3,
      intervalS: 10,
    },
  ],
  [
    "60 V pack on a 3 A charger, read every second",
    {
      softStartS: 5,
      ccStartW: 180,
      ccEndW: 202,
      ccMin: 20,
      cvMin: 20,
      endW: 15,
      noisePct: 1,
      intervalS: 1,
    },
  ],
  [
    "72 V pack on an 8 A charger near the limit",
    {
      softStartS: 4,
      ccStartW: 560,
      ccEndW: 672,
      ccMin: 90,
      cvMin: 45,
      endW: 40,
      noisePct: 2,
      intervalS: 5,
    },
  ],
  [
    "a charger whose soft start overshoots past 800 W once",
    {
      softStartS: 10,
      ccStartW: 600,
      ccEndW: 640,
      ccMin: 30,
      cvMin: 30,
      endW: 30,
      noisePct: 1,
      intervalS: 5,
      overrides: { 10: 860 },
    },
  ],
];

function run(readings: Array<[number, number]>, otherPortW = 0): Array<[number, Action[]]> {
  const h = harness(site, [board]);
  const hits: Array<[number, Action[]]> = [];
  for (const [s, w] of readings) {
    const actions = h.send(board, telemetry(25, [otherPortW, w]), T0 + s * 1000);
    if (actions.length) hits.push([s, actions]);
  }
  return hits;
}

describe("illegal-load rule", () => {
  it.each(normalCharges)("raises nothing for a normal CC/CV charge: %s", (_name, curve) => {
    for (const seed of [1, 2, 3]) expect(run(ccCv(curve, seed))).toEqual([]);
  });

  const heaters: Array<[string, Array<[number, number]>, number, RegExp]> = [
    [
      "a 1,500 W heater plugged in beside a charging battery (step)",
      [
        [0, 250],
        [10, 252],
        [20, 1750],
        [30, 1748],
      ],
      20,
      /^port 2: sudden step: 252 W -> 1750 W in 10 s/,
    ],
    [
      "a 2 kW heater switched on at an idle port (step)",
      [
        [0, 0],
        [5, 2000],
      ],
      5,
      /^port 2: sudden step: 0 W -> 2000 W/,
    ],
    [
      "a modified battery drawing a flat 900 W (flat)",
      [
        [0, 400],
        [5, 650],
        [10, 900],
        [15, 905],
        [20, 898],
        [25, 902],
        [30, 900],
        [35, 903],
        [40, 899],
        [45, 901],
        [50, 900],
        [55, 902],
      ],
      50,
      /^port 2: flat resistive load: 898-905 W \(spread 0\.8 % <= 5 %\) at or above 800 W for 40 s over 9 readings, no charging taper/,
    ],
    [
      "a heater whose element warms and draws 2 % less, read every 20 s (flat)",
      [
        [0, 0],
        [30, 1300],
        [50, 1290],
        [70, 1281],
        [90, 1275],
      ],
      70,
      /flat resistive load: 1281-1300 W .* for 40 s .*\(change -1\.5 %/,
    ],
  ];

  it.each(heaters)(
    "cuts the port within 60 s and says which signature matched: %s",
    (_n, readings, cutAt, evidence) => {
      const hits = run(readings);
      expect(hits).toHaveLength(1);
      const [s, actions] = hits[0]!;
      expect(s).toBe(cutAt);
      expect(summary(actions)).toEqual([
        `relay 0000c001:1 off reason ${REASON_ILLEGAL_LOAD}`,
        "raise illegal-load major 0000c001:1",
      ]);
      const onset = readings.find(([, w]) => w >= 800)![0];
      expect(s - onset).toBeLessThanOrEqual(60);
      expect((actions[1] as { evidence: string }).evidence).toMatch(evidence);
      expect((actions[1] as { evidence: string }).evidence).toMatch(/; port cut$/);
    },
  );

  it("stays one alarm until the port is restored, then watches the port again", () => {
    const h = harness(site, [board]);
    const t = (s: number) => T0 + s * 1000;
    h.send(board, telemetry(25, [0, 100]), t(0));
    expect(h.send(board, telemetry(25, [0, 1600]), t(5))).toHaveLength(2);
    expect(h.send(board, telemetry(25, [0, 1600]), t(10))).toEqual([]);
    const cutPort = { powerW: 0, energyWh: 0, state: PORT_CUT_ILLEGAL_LOAD, relayOn: false };
    expect(h.send(board, telemetry(25, [port(0), cutPort]), t(15))).toEqual([]);
    const restored = h.send(board, chargerEvent(CHARGER_EVENT_RESTORED, 1, REASON_COMMAND), t(60));
    expect(summary(restored)).toEqual(["clear illegal-load 0000c001:1"]);
    h.send(board, telemetry(25, [0, 0]), t(65));
    expect(summary(h.send(board, telemetry(25, [0, 1600]), t(70)))).toContain(
      "raise illegal-load major 0000c001:1",
    );
  });

  it("clears when telemetry shows the relay back on after the cut", () => {
    const h = harness(site, [board]);
    const t = (s: number) => T0 + s * 1000;
    h.send(board, telemetry(25, [0, 0]), t(0));
    h.send(board, telemetry(25, [0, 1600]), t(5));
    h.send(board, telemetry(25, [port(0), port(0, false)]), t(10));
    expect(summary(h.send(board, telemetry(25, [0, 0]), t(20)))).toEqual([
      "clear illegal-load 0000c001:1",
    ]);
  });

  it("raises without cutting when cut is off", () => {
    const h = harness(siteFrom("rules:\n  - { id: illegal, kind: illegal-load, cut: false }\n"), [
      board,
    ]);
    h.send(board, telemetry(25, [0, 0]), T0);
    expect(summary(h.send(board, telemetry(25, [0, 2000]), T0 + 5000))).toEqual([
      "raise illegal-load major 0000c001:1",
    ]);
  });
});

describe("a port's samples", () => {
  const track = (pool = samplePool()): PortTrack => newTrack(pool, 0);
  const times = (t: PortTrack) => Array.from({ length: sampleCount(t) }, (_, i) => sampleAt(t, i));
  const watts = (t: PortTrack) => Array.from({ length: sampleCount(t) }, (_, i) => sampleW(t, i));

  it("keeps at most MAX_SAMPLES readings, the newest, each time with its watts", () => {
    const t = track();
    for (let i = 0; i < 500; i++) pushSample(t, T0 + i * 1000, 1000 + i, 0);
    expect(sampleCount(t)).toBe(MAX_SAMPLES);
    // one ring of the pool, whatever the number of readings (issue 15)
    expect(t.pool.inUse()).toBe(1);
    expect(sampleAt(t, 0)).toBe(T0 + (500 - MAX_SAMPLES) * 1000);
    expect(sampleW(t, 0)).toBe(1000 + 500 - MAX_SAMPLES);
    for (let i = 0; i < MAX_SAMPLES; i++)
      expect(sampleW(t, i) - 1000).toBe((sampleAt(t, i) - T0) / 1000);
    expect(sampleW(t, MAX_SAMPLES - 1)).toBe(1499);
  });

  it("drops readings older than the window but always keeps the newest", () => {
    const t = track();
    for (let i = 0; i < 10; i++) pushSample(t, T0 + i * 1000, 500 + i, T0 + 5500);
    expect(times(t)).toEqual([T0 + 6000, T0 + 7000, T0 + 8000, T0 + 9000]);
    expect(watts(t)).toEqual([506, 507, 508, 509]);
    pushSample(t, T0 + 100_000, 700, T0 + 200_000);
    expect(times(t)).toEqual([T0 + 100_000]);
    expect(watts(t)).toEqual([700]);
  });
  it("gives its ring back when cleared, and the next port takes the same ring", () => {
    const pool = samplePool();
    const a = track(pool);
    for (let i = 0; i < 100; i++) pushSample(a, T0 + i, 800, 0);
    clearSamples(a);
    expect(pool.inUse()).toBe(0);
    expect(sampleCount(a)).toBe(0);
    const b = track(pool);
    pushSample(b, T0, 900, 0);
    expect(pool.inUse()).toBe(1);
    expect(watts(b)).toEqual([900]);
  });

  it("keeps exact times across a 30-day silence (more ms than an Int32 holds)", () => {
    const t = track();
    pushSample(t, T0, 1000, 0);
    pushSample(t, T0 + 1000, 1001, 0);
    const later = T0 + 30 * 86_400_000;
    // A window reaching back past the silence keeps what an Int32 offset can still say.
    pushSample(t, later, 1002, 0);
    expect(times(t)).toEqual([later]);
    pushSample(t, later + 1500, 1003, 0);
    expect(times(t)).toEqual([later, later + 1500]);
    expect(watts(t)).toEqual([1002, 1003]);
    // 20 days on, within an Int32 of the base: both kept, rebased exactly.
    const t2 = track();
    pushSample(t2, T0, 700, 0);
    pushSample(t2, T0 + 20 * 86_400_000, 701, 0);
    pushSample(t2, T0 + 40 * 86_400_000, 702, 0);
    expect(times(t2)).toEqual([T0 + 20 * 86_400_000, T0 + 40 * 86_400_000]);
    expect(watts(t2)).toEqual([701, 702]);
  });

  it("agrees with a plain array of pairs over 20,000 random readings", () => {
    const next = createRng(99).next;
    const pool = samplePool();
    const tracks = [track(pool), track(pool), track(pool)];
    const model: Array<Array<[number, number]>> = [[], [], []];
    let now = T0;
    for (let step = 0; step < 20_000; step++) {
      const p = Math.floor(next() * 3);
      const t = tracks[p]!;
      const m = model[p]!;
      if (next() < 0.01) {
        clearSamples(t);
        m.length = 0;
        continue;
      }
      now += next() < 0.001 ? 26 * 86_400_000 : Math.floor(next() * 15_000);
      const w = Math.floor(next() * 4096);
      const keepFrom = now - Math.floor(next() * 900_000);
      pushSample(t, now, w, keepFrom);
      m.push([now, w]);
      let drop = Math.max(0, m.length - MAX_SAMPLES);
      while (drop < m.length - 1 && m[drop]![0] < keepFrom) drop++;
      m.splice(0, drop);
      expect(times(t)).toEqual(m.map((e) => e[0]));
      expect(watts(t)).toEqual(m.map((e) => e[1]));
    }
    expect(pool.inUse()).toBeLessThanOrEqual(3);
  });
});
