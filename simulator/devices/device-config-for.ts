/**
 * Build configurations (firmware/device-config.ts) for virtual devices: ids
 * and keys derived from the scenario seed (so a run is repeatable and no key is
 * typed by hand), pins assigned by role on the board, thresholds from the
 * HAZARDS.md defaults with the scenario's overrides.
 */

import { BOARD_NAMES, findBoard } from "../../firmware/build/boards.js";
import { planPins } from "../../firmware/build/pin-plan.js";
import {
  DEFAULT_SNIFF_EVERY_MS,
  type DeviceConfig,
  type DeviceKind,
} from "../../firmware/device-config.js";
import { createRng, hash32 } from "../physics/prng.js";

export const DEFAULT_BOARD = "PICO";

export function deriveDeviceId(name: string, seed: number): number {
  const id = hash32(`device:${name}`, seed >>> 0);
  return id === 0 ? 1 : id;
}

export function deriveKeyHex(name: string, seed: number, salt = ""): string {
  const rng = createRng(hash32(`key:${name}${salt}`, seed >>> 0));
  let out = "";
  for (let i = 0; i < 16; i++) out += rng.int(256).toString(16).padStart(2, "0");
  return out;
}

export interface VirtualDeviceSpec {
  name: string;
  kind: DeviceKind;
  deviceId: number;
  key: string;
  heartbeatS?: number;
  /** Board name as the build takes it (firmware/build/boards.ts); DEFAULT_BOARD when absent. */
  board?: string;
  /** Overrides for the kind's thresholds and for heartbeatS / listenWindowMs. */
  thresholds?: Record<string, number>;
}

/**
 * The pins a flashed board of this kind would get (firmware/build/pin-plan.ts),
 * with an over-current comparator per charger port where the board has pins
 * left for them. Throws a message naming the board when the kind does not fit.
 */
export function pinsFor(
  kind: DeviceKind,
  ports: number,
  boardName: string,
  wake = false,
): Record<string, string> {
  const board = findBoard(boardName);
  if (!board) throw new Error(`unknown board '${boardName}' (known: ${BOARD_NAMES.join(", ")})`);
  if (!board.kinds.includes(kind))
    throw new Error(
      `board ${board.name} does not support kind '${kind}' (it supports ${board.kinds.join(", ")})`,
    );
  const plan = planPins(kind, board, ports, { shorts: true, wake });
  if (!plan.ok) throw new Error(`cannot place the ${kind}'s pins on ${board.name}: ${plan.reason}`);
  return plan.pins;
}

export function deviceConfigFor(spec: VirtualDeviceSpec): DeviceConfig {
  const t = spec.thresholds ?? {};
  const pick = (k: string, dflt: number) => (typeof t[k] === "number" ? (t[k] as number) : dflt);
  const board = spec.board ?? DEFAULT_BOARD;
  const base = {
    deviceId: spec.deviceId,
    kind: spec.kind,
    key: spec.key,
    heartbeatS: pick("heartbeatS", spec.heartbeatS ?? 3600),
    link: { type: "uart" as const, baud: 9600 },
  };
  switch (spec.kind) {
    case "smoke": {
      // Wake-on-radio by default (sniffEveryMs 0: scheduled listening windows; listenWindowMs 0: mains).
      const listenWindowMs = pick("listenWindowMs", 1000);
      const sniffEveryMs = listenWindowMs > 0 ? pick("sniffEveryMs", DEFAULT_SNIFF_EVERY_MS) : 0;
      return {
        ...base,
        listenWindowMs,
        ...(sniffEveryMs > 0 ? { wakeOnRadio: { sniffEveryMs } } : {}),
        ...(typeof t.listenEveryS === "number" ? { listenEveryS: t.listenEveryS } : {}),
        pins: pinsFor("smoke", 0, board, sniffEveryMs > 0),
        smoke: {
          alarmLevel: pick("alarmLevel", 300),
          confirmSamples: pick("confirmSamples", 3),
          sampleIntervalS: pick("sampleIntervalS", 10),
          hushS: pick("hushS", 600),
          lowBatteryMv: pick("lowBatteryMv", 2600),
        },
      };
    }
    case "charger": {
      const ports = pick("ports", 4);
      return {
        ...base,
        listenWindowMs: pick("listenWindowMs", 0),
        pins: pinsFor("charger", ports, board),
        charger: {
          ports,
          portLimitW: pick("portLimitW", 1100),
          portOverloadS: pick("portOverloadS", 3),
          shedLimitW: pick("shedLimitW", 8700),
          shedRefuseW: pick("shedRefuseW", 7500),
          overTempDeciC: pick("overTempDeciC", 650),
          overTempHysteresisDeciC: pick("overTempHysteresisDeciC", 100),
          shortCircuitW: pick("shortCircuitW", 3000),
          fullChargeW: pick("fullChargeW", 30),
          fullChargeS: pick("fullChargeS", 300),
          sessionMaxS: pick("sessionMaxS", 43200),
          telemetryIntervalS: pick("telemetryIntervalS", 60),
        },
      };
    }
    case "guardian":
      return {
        ...base,
        listenWindowMs: pick("listenWindowMs", 1000),
        pins: pinsFor("guardian", 0, board),
        guardian: { reportIntervalS: pick("reportIntervalS", 900) },
      };
  }
}
