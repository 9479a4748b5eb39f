/** Wire event and reason codes -> the names used in rule configs and evidence. */
import {
  CHARGER_EVENT_CUT,
  CHARGER_EVENT_ILLEGAL_SUSPECTED,
  CHARGER_EVENT_REFUSED,
  CHARGER_EVENT_RESTORED,
  CHARGER_EVENT_SESSION_END,
  CHARGER_EVENT_SESSION_START,
  REASON_COMMAND,
  REASON_FULL_CHARGE,
  REASON_ILLEGAL_LOAD,
  REASON_NONE,
  REASON_OVER_TEMP,
  REASON_OVERLOAD,
  REASON_SHED_TOTAL,
  REASON_SHORT_CIRCUIT,
  REASON_TIME_LIMIT,
  SMOKE_ALARM,
  SMOKE_CLEAR,
  SMOKE_END_OF_LIFE,
  SMOKE_FAULT,
  SMOKE_HUSH,
  SMOKE_LOW_BATTERY,
  SMOKE_SELF_TEST_FAIL,
  SMOKE_SELF_TEST_OK,
  SMOKE_TAMPER,
  SMOKE_TAMPER_CLEAR,
} from "../../protocol/constants.js";
import type { AlarmKind } from "../../protocol/uplink.js";
import type { ChargerReasonName, DeviceEventName } from "../config/site-config.js";

const SMOKE: Record<number, DeviceEventName> = {
  [SMOKE_ALARM]: "smoke-alarm",
  [SMOKE_CLEAR]: "smoke-clear",
  [SMOKE_HUSH]: "smoke-hush",
  [SMOKE_SELF_TEST_OK]: "self-test-ok",
  [SMOKE_SELF_TEST_FAIL]: "self-test-fail",
  [SMOKE_FAULT]: "smoke-fault",
  [SMOKE_TAMPER]: "tamper",
  [SMOKE_TAMPER_CLEAR]: "tamper-clear",
  [SMOKE_LOW_BATTERY]: "low-battery",
  [SMOKE_END_OF_LIFE]: "end-of-life",
};

const CHARGER: Record<number, DeviceEventName> = {
  [CHARGER_EVENT_CUT]: "charger-cut",
  [CHARGER_EVENT_RESTORED]: "charger-restored",
  [CHARGER_EVENT_ILLEGAL_SUSPECTED]: "illegal-suspected",
  [CHARGER_EVENT_SESSION_START]: "session-start",
  [CHARGER_EVENT_SESSION_END]: "session-end",
  [CHARGER_EVENT_REFUSED]: "refused",
};

const REASONS: Record<number, ChargerReasonName> = {
  [REASON_NONE]: "none",
  [REASON_OVERLOAD]: "overload",
  [REASON_SHED_TOTAL]: "shed-total",
  [REASON_OVER_TEMP]: "over-temp",
  [REASON_SHORT_CIRCUIT]: "short-circuit",
  [REASON_FULL_CHARGE]: "full-charge",
  [REASON_TIME_LIMIT]: "time-limit",
  [REASON_ILLEGAL_LOAD]: "illegal-load",
  [REASON_COMMAND]: "command",
};

export function smokeEventName(code: number): DeviceEventName | undefined {
  return SMOKE[code];
}

export function chargerEventName(code: number): DeviceEventName | undefined {
  return CHARGER[code];
}

export function reasonName(code: number): ChargerReasonName | undefined {
  return REASONS[code];
}

/** The reason a gateway-side cut carries in its RELAY downlink. */
export function cutReasonFor(alarm: AlarmKind): number {
  switch (alarm) {
    case "over-temperature":
      return REASON_OVER_TEMP;
    case "port-overload":
      return REASON_OVERLOAD;
    case "shed-overload":
      return REASON_SHED_TOTAL;
    case "illegal-load":
      return REASON_ILLEGAL_LOAD;
    case "short-circuit":
      return REASON_SHORT_CIRCUIT;
    default:
      return REASON_COMMAND;
  }
}
