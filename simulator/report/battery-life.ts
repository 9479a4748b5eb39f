/**
 * Expected battery life of each battery device of a scenario at its
 * listening schedule (physics/energy.ts), grouped by board and schedule for
 * the summary: "PICO 1000 ms every 5 s: 0.05 years (4650 µA), 3 detectors".
 */
import { DEFAULT_LISTEN_EVERY_S, type DeviceConfig } from "../../firmware/device-config.js";
import { detectorEnergy, formatLife } from "../physics/energy.js";

export interface BatteryLife {
  board: string;
  listenWindowMs: number;
  listenEveryS: number;
  totalUa: number;
  years: number;
  devices: string[];
}

export function batteryLives(
  devices: { name: string; board: string; config: DeviceConfig }[],
): BatteryLife[] {
  const groups = new Map<string, BatteryLife>();
  for (const d of devices) {
    const c = d.config;
    if (c.kind !== "smoke" || !c.smoke) continue;
    const listenEveryS = c.listenEveryS ?? DEFAULT_LISTEN_EVERY_S;
    const e = detectorEnergy(d.board, {
      listenWindowMs: c.listenWindowMs,
      listenEveryS,
      sampleIntervalS: c.smoke.sampleIntervalS,
      heartbeatS: c.heartbeatS,
      baud: c.link.baud,
    });
    if (!e) continue;
    const key = `${e.board}:${c.listenWindowMs}:${listenEveryS}:${e.totalUa}`;
    const g = groups.get(key);
    if (g) g.devices.push(d.name);
    else
      groups.set(key, {
        board: e.board,
        listenWindowMs: c.listenWindowMs,
        listenEveryS,
        totalUa: e.totalUa,
        years: e.years,
        devices: [d.name],
      });
  }
  return [...groups.values()];
}

export function describeBatteryLife(b: BatteryLife): string {
  const n = b.devices.length;
  return (
    `${b.board} listening ${b.listenWindowMs} ms every ${b.listenEveryS} s: ` +
    `${formatLife(b.years)} on 2 x AA (${b.totalUa} µA average), ${n === 1 ? b.devices[0] : `${n} detectors`}`
  );
}
