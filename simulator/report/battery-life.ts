/**
 * Expected battery life of each battery device of a scenario at its
 * listening schedule (physics/energy.ts), grouped by board and schedule for
 * the summary: "PUCKJS wake-on-radio, sniff every 1000 ms: 5.8 years on 2 x AA
 * (41.9 µA average), 40 detectors". A board that does not reach 5 years on
 * 2 x AA also gets the smallest sealed lithium cell that gives it 10 years.
 */
import { DEFAULT_LISTEN_EVERY_S, type DeviceConfig } from "../../firmware/device-config.js";
import { type Cell, cellFor, detectorEnergy, formatLife, TWO_AA } from "../physics/energy.js";

export interface BatteryLife {
  board: string;
  /** "wake-on-radio" (sniffEveryMs) or "windows" (listenWindowMs every listenEveryS). */
  mode: "wake-on-radio" | "windows";
  listenWindowMs: number;
  listenEveryS: number;
  sniffEveryMs?: number;
  totalUa: number;
  /** Life on 2 x AA. */
  years: number;
  /** The cell the board needs for its target (2 x AA for 5 years, else a lithium cell for 10), and its life on it. */
  cell: Cell;
  cellYears: number;
  meetsTarget: boolean;
  devices: string[];
}

export function batteryLives(
  devices: { name: string; board: string; config: DeviceConfig }[],
): BatteryLife[] {
  const groups = new Map<string, BatteryLife>();
  for (const d of devices) {
    const c = d.config;
    if (c.kind !== "smoke" || !c.smoke) continue;
    const sniffEveryMs = c.wakeOnRadio?.sniffEveryMs;
    const listenEveryS = sniffEveryMs ? 0 : (c.listenEveryS ?? DEFAULT_LISTEN_EVERY_S);
    const e = detectorEnergy(d.board, {
      listenWindowMs: c.listenWindowMs,
      listenEveryS,
      ...(sniffEveryMs ? { sniffEveryMs } : {}),
      sampleIntervalS: c.smoke.sampleIntervalS,
      heartbeatS: c.heartbeatS,
      baud: c.link.baud,
    });
    if (!e) continue;
    const key = `${e.board}:${c.listenWindowMs}:${listenEveryS}:${sniffEveryMs}:${e.totalUa}`;
    const g = groups.get(key);
    if (g) {
      g.devices.push(d.name);
      continue;
    }
    const best = cellFor(e.totalUa);
    groups.set(key, {
      board: e.board,
      mode: sniffEveryMs ? "wake-on-radio" : "windows",
      listenWindowMs: c.listenWindowMs,
      listenEveryS,
      ...(sniffEveryMs ? { sniffEveryMs } : {}),
      totalUa: e.totalUa,
      years: e.years,
      cell: best.cell,
      cellYears: best.years,
      meetsTarget: best.meets,
      devices: [d.name],
    });
  }
  return [...groups.values()];
}

export function describeBatteryLife(b: BatteryLife): string {
  const n = b.devices.length;
  const how =
    b.mode === "wake-on-radio"
      ? `wake-on-radio, sniff every ${b.sniffEveryMs} ms`
      : `listening ${b.listenWindowMs} ms every ${b.listenEveryS} s`;
  const other =
    b.cell === TWO_AA
      ? ""
      : `, ${formatLife(b.cellYears)} on a ${b.cell.name}${b.meetsTarget ? "" : " (under 10 years)"}`;
  return (
    `${b.board} ${how}: ${formatLife(b.years)} on 2 x AA (${b.totalUa} µA average)${other}, ` +
    `${n === 1 ? b.devices[0] : `${n} detectors`}`
  );
}
