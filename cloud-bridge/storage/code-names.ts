/** Names of the protocol's numeric codes (protocol/constants.ts), used as tags and in the API. */
import * as C from "../../protocol/constants.js";

function table(entries: Array<[number, string]>): (code: number) => string {
  const m = new Map(entries);
  return (code) => m.get(code) ?? `code-${code}`;
}

export const portStateName = table([
  [C.PORT_IDLE, "idle"],
  [C.PORT_CHARGING, "charging"],
  [C.PORT_FULL, "full"],
  [C.PORT_OFF, "off"],
  [C.PORT_CUT_OVERLOAD, "cut-overload"],
  [C.PORT_CUT_SHED_TOTAL, "cut-shed-total"],
  [C.PORT_CUT_OVER_TEMP, "cut-over-temp"],
  [C.PORT_CUT_SHORT_CIRCUIT, "cut-short-circuit"],
  [C.PORT_CUT_TIME_LIMIT, "cut-time-limit"],
  [C.PORT_CUT_ILLEGAL_LOAD, "cut-illegal-load"],
  [C.PORT_CUT_COMMAND, "cut-command"],
  [C.PORT_FAULT, "fault"],
]);

export const chargerEventName = table([
  [C.CHARGER_EVENT_CUT, "cut"],
  [C.CHARGER_EVENT_RESTORED, "restored"],
  [C.CHARGER_EVENT_ILLEGAL_SUSPECTED, "illegal-suspected"],
  [C.CHARGER_EVENT_SESSION_START, "session-start"],
  [C.CHARGER_EVENT_SESSION_END, "session-end"],
  [C.CHARGER_EVENT_REFUSED, "refused"],
]);

export const reasonName = table([
  [C.REASON_NONE, "none"],
  [C.REASON_OVERLOAD, "overload"],
  [C.REASON_SHED_TOTAL, "shed-total"],
  [C.REASON_OVER_TEMP, "over-temp"],
  [C.REASON_SHORT_CIRCUIT, "short-circuit"],
  [C.REASON_FULL_CHARGE, "full-charge"],
  [C.REASON_TIME_LIMIT, "time-limit"],
  [C.REASON_ILLEGAL_LOAD, "illegal-load"],
  [C.REASON_COMMAND, "command"],
]);

export const smokeEventName = table([
  [C.SMOKE_ALARM, "alarm"],
  [C.SMOKE_CLEAR, "clear"],
  [C.SMOKE_HUSH, "hush"],
  [C.SMOKE_SELF_TEST_OK, "self-test-ok"],
  [C.SMOKE_SELF_TEST_FAIL, "self-test-fail"],
  [C.SMOKE_FAULT, "fault"],
  [C.SMOKE_TAMPER, "tamper"],
  [C.SMOKE_TAMPER_CLEAR, "tamper-clear"],
  [C.SMOKE_LOW_BATTERY, "low-battery"],
  [C.SMOKE_END_OF_LIFE, "end-of-life"],
]);

export function portTag(port: number): string {
  return port === C.PORT_ALL ? "all" : String(port);
}
