import { describe, expect, it } from "vitest";
import { SMOKE_ALARM } from "../../protocol/constants.js";
import type { DeviceRecord } from "../types.js";
import { memoryDirectory } from "./directory.js";
import { createRuleEngine } from "./engine.js";
import {
  accepted,
  device,
  harness,
  siteFrom,
  smokeEvent,
  summary,
  T0,
  telemetry,
} from "./testing.js";

const heat = (above: number) => `sheds: [{ id: s1 }]
rules:
  - { id: heat, kind: threshold, metric: shed-temp-c, above: ${above}, durationS: 10, alarm: over-temperature }
  - { id: total, kind: aggregate }
`;
const board = device(0xc001, "charger", { shed: "s1" });

describe("rule engine", () => {
  it("is deterministic: the same inputs give the same actions", () => {
    const run = () => {
      const h = harness(siteFrom(heat(60)), [board]);
      const out: string[] = [];
      for (let s = 0; s < 30; s += 2) {
        out.push(...summary(h.send(board, telemetry(55 + s / 2, [500, 600]), T0 + s * 1000)));
      }
      return out;
    };
    expect(run()).toEqual(run());
    expect(run()).toContain("raise over-temperature major 0000c001");
  });

  it("keeps the state of an unchanged rule across a reload and resets a changed one", () => {
    const dir = memoryDirectory([board]);
    const a = createRuleEngine(siteFrom(heat(60)), dir);
    let state = a.init(T0);
    state = a.onMessage(state, accepted(board, telemetry(65, [0]), T0), board, T0).state;
    // Same rules: the 10 s duration keeps counting from T0.
    const same = createRuleEngine(siteFrom(heat(60)), dir);
    const kept = same.init(T0 + 5000, state);
    const r1 = same.onMessage(
      kept,
      accepted(board, telemetry(65, [0]), T0 + 10_000),
      board,
      T0 + 10_000,
    );
    expect(summary(r1.actions)).toEqual(["raise over-temperature major 0000c001"]);
    // A changed limit starts over.
    const changed = createRuleEngine(siteFrom(heat(62)), dir);
    const fresh = changed.init(T0 + 5000, state);
    const r2 = changed.onMessage(
      fresh,
      accepted(board, telemetry(65, [0]), T0 + 10_000),
      board,
      T0 + 10_000,
    );
    expect(r2.actions).toEqual([]);
  });

  it("contains a failing rule: the others still act and the failure is reported", () => {
    const detector = device(0xa001, "smoke", { building: "b1" });
    const broken = {
      get: () => undefined,
      list: () => [],
      inBuilding: (): DeviceRecord[] => {
        throw new Error("directory offline");
      },
    };
    const engine = createRuleEngine(siteFrom("buildings: [{ id: b1 }]\n"), broken);
    const state = engine.init(T0);
    const r = engine.onMessage(
      state,
      accepted(detector, smokeEvent(SMOKE_ALARM, 1, 400), T0),
      detector,
      T0,
    );
    expect(summary(r.actions)).toContain("raise fire critical 0000a001");
    expect(r.failures).toEqual([{ rule: "fire", error: "directory offline" }]);
    expect(r.state.failures.get("fire")).toBe(1);
  });

  it("applies a rule only to the buildings, sheds and devices it names", () => {
    const site = siteFrom(`buildings: [{ id: b1 }, { id: b2 }]
rules:
  - { id: b2-only, kind: device-event, on: [tamper], alarm: tamper, buildings: [b2] }
  - { id: one, kind: device-event, on: [tamper], alarm: tamper, severity: minor, devices: ["0000A001"] }
`);
    const inB1 = device(0xa001, "smoke", { building: "b1" });
    const inB2 = device(0xa002, "smoke", { building: "b2" });
    const h = harness(site, [inB1, inB2]);
    expect(summary(h.send(inB1, smokeEvent(7, 1), T0))).toEqual(["raise tamper minor 0000a001"]);
    expect(summary(h.send(inB2, smokeEvent(7, 1), T0))).toEqual(["raise tamper major 0000a002"]);
  });

  it("keeps memory bounded: state of devices that left the directory is pruned", () => {
    const site = siteFrom(`rules:
  - { id: heat, kind: threshold, metric: shed-temp-c, above: 60 }
  - { id: illegal, kind: illegal-load }
  - { id: lost, kind: absence }
  - { id: total, kind: aggregate }
`);
    const boards = Array.from({ length: 500 }, (_, i) => device(0xc000 + i, "charger"));
    const h = harness(site, boards);
    for (const b of boards) h.send(b, telemetry(30, [100, 200, 300]), T0);
    const sizes = () => {
      const s = h.state.rules;
      return [
        (s.get("heat")!.state as { tracks: Map<string, unknown> }).tracks.size,
        // port tracks, per charger
        [...(s.get("illegal")!.state as { ports: Map<number, unknown[]> }).ports.values()].reduce(
          (n, tracks) => n + tracks.filter((t) => t !== undefined).length,
          0,
        ),
        (s.get("lost")!.state as { seen: Map<number, unknown> }).seen.size,
        (s.get("total")!.state as { sheds: Map<string, unknown> }).sheds.size,
      ];
    };
    expect(sizes()).toEqual([500, 1500, 500, 500]);
    const gone = memoryDirectory([]);
    const engine = createRuleEngine(site, gone);
    const r = engine.tick(h.state, T0 + 61_000);
    expect(r.state.rules.get("heat")!.state).toMatchObject({ tracks: new Map() });
    h.state = r.state;
    expect(sizes()).toEqual([0, 0, 0, 0]);
  });
});
