/**
 * What a freshly flashed device gets unless the installer's config file says
 * otherwise: heartbeat, listening window, thresholds (common starting points:
 * a 1,100 W port limit, an 8,700 W shed limit, a heartbeat well inside 24 h)
 * and a pin for every role the apps use, chosen from the
 * board's pin table (firmware/build/boards.ts).
 */
import type { Board } from "../firmware/build/boards.js";
import { type PinPlan, planPins } from "../firmware/build/pin-plan.js";
import type {
  ChargerThresholds,
  DeviceKind,
  GuardianThresholds,
  SmokeThresholds,
} from "../firmware/device-config.js";

export const DEFAULT_BAUD = 9600;

export const DEFAULT_SMOKE: SmokeThresholds = {
  /** 3 %/m obscuration, a common photoelectric alarm point. */
  alarmLevel: 300,
  confirmSamples: 3,
  sampleIntervalS: 10,
  /** GB 20517 / EN 14604: at most 10 minutes. */
  hushS: 600,
  lowBatteryMv: 2600,
};

export const DEFAULT_CHARGER: ChargerThresholds = {
  ports: 4,
  portLimitW: 1100,
  portOverloadS: 3,
  shedLimitW: 8700,
  shedRefuseW: 8000,
  /** 65 °C with 10 °C hysteresis. */
  overTempDeciC: 650,
  overTempHysteresisDeciC: 100,
  shortCircuitW: 3000,
  /** T/GBC 48-2025: under about 5 % of rated power for minutes means full. */
  fullChargeW: 30,
  fullChargeS: 300,
  sessionMaxS: 12 * 3600,
  telemetryIntervalS: 30,
};

export const DEFAULT_GUARDIAN: GuardianThresholds = { reportIntervalS: 900 };

/** Heartbeat: battery detectors every 4 h (≤ 24 h required), mains devices more often. */
export const DEFAULT_HEARTBEAT_S: Record<DeviceKind, number> = {
  smoke: 4 * 3600,
  charger: 300,
  guardian: 900,
};

/** Battery devices listen briefly after each uplink; mains devices always. */
export const DEFAULT_LISTEN_WINDOW_MS: Record<DeviceKind, number> = {
  smoke: 2000,
  charger: 0,
  guardian: 2000,
};

/**
 * A pin for every role of the kind on the board (firmware/build/pin-plan.ts:
 * the same plan the simulator gives its virtual devices).
 */
export function defaultPins(kind: DeviceKind, board: Board, ports: number, wake = false): PinPlan {
  return planPins(kind, board, ports, { wake });
}
