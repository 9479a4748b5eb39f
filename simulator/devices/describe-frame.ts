/** Frames as trace fields: decoded message, event names, reasons. */
import { decodeFrame } from "../../protocol/codec.js";
import {
  CHARGER_EVENT_CUT,
  CHARGER_EVENT_ILLEGAL_SUSPECTED,
  CHARGER_EVENT_REFUSED,
  CHARGER_EVENT_RESTORED,
  CHARGER_EVENT_SESSION_END,
  CHARGER_EVENT_SESSION_START,
  FLAG_ACK_REQUESTED,
  FLAG_RETRANSMISSION,
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

const SMOKE_EVENTS: Record<number, string> = {
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

const CHARGER_EVENTS: Record<number, string> = {
  [CHARGER_EVENT_CUT]: "charger-cut",
  [CHARGER_EVENT_RESTORED]: "charger-restored",
  [CHARGER_EVENT_ILLEGAL_SUSPECTED]: "illegal-suspected",
  [CHARGER_EVENT_SESSION_START]: "session-start",
  [CHARGER_EVENT_SESSION_END]: "session-end",
  [CHARGER_EVENT_REFUSED]: "refused",
};

export const REASONS = [
  "none",
  "overload",
  "shed-total",
  "over-temp",
  "short-circuit",
  "full-charge",
  "time-limit",
  "illegal-load",
  "command",
];

/** Trace fields of a frame (unframed codec bytes); `ok:false` when it does not decode. */
export function describeFrame(bytes: Uint8Array): Record<string, unknown> {
  const r = decodeFrame(bytes);
  if (!r.ok) return { ok: false, reason: r.reason };
  const f = r.frame;
  const out: Record<string, unknown> = {
    deviceId: f.deviceId.toString(16).padStart(8, "0"),
    counter: f.counter,
    type: f.msg.type,
    ackRequested: (f.flags & FLAG_ACK_REQUESTED) !== 0,
    retransmission: (f.flags & FLAG_RETRANSMISSION) !== 0,
    msg: f.msg,
  };
  if (f.msg.type === "smoke-event") out.name = SMOKE_EVENTS[f.msg.event] ?? `smoke-${f.msg.event}`;
  if (f.msg.type === "charger-event") {
    out.name = CHARGER_EVENTS[f.msg.event] ?? `charger-${f.msg.event}`;
    out.reason = REASONS[f.msg.reason] ?? String(f.msg.reason);
    out.port = f.msg.port;
  }
  return out;
}
