/**
 * Build configurations (firmware/device-config.ts) for virtual devices: ids
 * and keys derived from the scenario seed (so a run is repeatable and no key is
 * typed by hand), pins assigned by role on the board, thresholds from the
 * HAZARDS.md defaults with the scenario's overrides.
 */
import type { DeviceConfig, DeviceKind } from "../../firmware/device-config.js";
import { createRng, hash32 } from "../physics/prng.js";

/** Espruino Pico: ADC pins, and digital pins clear of USB (A11/A12) and Serial1 (B6/B7). */
const PICO_ANALOG = ["A0", "A1", "A2", "A3", "A4", "A5", "A6", "A7", "B0", "B1"];
const PICO_DIGITAL = [
  "A8",
  "A9",
  "A10",
  "A13",
  "A14",
  "A15",
  "B2",
  "B3",
  "B4",
  "B5",
  "B8",
  "B9",
  "B10",
  "B12",
  "B13",
  "B14",
  "B15",
];

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
  /** Overrides for the kind's thresholds and for heartbeatS / listenWindowMs. */
  thresholds?: Record<string, number>;
}

function pinsFor(kind: DeviceKind, ports: number): Record<string, string> {
  const a = [...PICO_ANALOG];
  const d = [...PICO_DIGITAL];
  const take = (list: string[], role: string) => {
    const pin = list.shift();
    if (!pin) throw new Error(`no pin left on ${DEFAULT_BOARD} for '${role}'`);
    return pin;
  };
  const pins: Record<string, string> = {};
  if (kind === "smoke") {
    pins.smoke = take(a, "smoke");
    pins.battery = take(a, "battery");
    pins.buzzer = take(d, "buzzer");
    pins.test = take(d, "test");
    pins.tamper = take(d, "tamper");
  } else if (kind === "charger") {
    for (let i = 0; i < ports; i++) {
      pins[`power${i}`] = take(a, `power${i}`);
      pins[`relay${i}`] = take(d, `relay${i}`);
      pins[`short${i}`] = take(d, `short${i}`);
    }
    pins.temp = take(a, "temp");
  } else {
    pins.battery = take(a, "battery");
    pins.door = take(d, "door");
    pins.motion = take(d, "motion");
  }
  return pins;
}

export function deviceConfigFor(spec: VirtualDeviceSpec): DeviceConfig {
  const t = spec.thresholds ?? {};
  const pick = (k: string, dflt: number) => (typeof t[k] === "number" ? (t[k] as number) : dflt);
  const base = {
    deviceId: spec.deviceId,
    kind: spec.kind,
    key: spec.key,
    heartbeatS: pick("heartbeatS", spec.heartbeatS ?? 3600),
    link: { type: "uart" as const, baud: 9600 },
  };
  switch (spec.kind) {
    case "smoke":
      return {
        ...base,
        listenWindowMs: pick("listenWindowMs", 1000),
        pins: pinsFor("smoke", 0),
        smoke: {
          alarmLevel: pick("alarmLevel", 300),
          confirmSamples: pick("confirmSamples", 3),
          sampleIntervalS: pick("sampleIntervalS", 10),
          hushS: pick("hushS", 600),
          lowBatteryMv: pick("lowBatteryMv", 2600),
        },
      };
    case "charger": {
      const ports = pick("ports", 4);
      return {
        ...base,
        listenWindowMs: pick("listenWindowMs", 0),
        pins: pinsFor("charger", ports),
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
        pins: pinsFor("guardian", 0),
        guardian: { reportIntervalS: pick("reportIntervalS", 900) },
      };
  }
}
