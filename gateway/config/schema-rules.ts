/**
 * JSON Schema of the `rules` list: one subschema per rule kind, picked by
 * `kind` (ajv discriminator), defaults filled in. README.md documents each key.
 */
import type { AlarmTransitionKind, DeviceKindName } from "../../protocol/uplink.js";
import { ALARM_KINDS, SEVERITIES } from "../../protocol/uplink-schemas.js";
import type { ChargerReasonName, DeviceEventName, ThresholdMetric } from "./site-config.js";

export { ALARM_KINDS, SEVERITIES };

export const TRANSITIONS = [
  "raised",
  "cleared",
  "acknowledged",
  "escalated",
] as const satisfies readonly AlarmTransitionKind[];

export const DEVICE_KINDS = [
  "smoke",
  "charger",
  "guardian",
] as const satisfies readonly DeviceKindName[];

export const DEVICE_EVENTS = [
  "smoke-alarm",
  "smoke-clear",
  "smoke-hush",
  "self-test-ok",
  "self-test-fail",
  "smoke-fault",
  "tamper",
  "tamper-clear",
  "low-battery",
  "end-of-life",
  "charger-cut",
  "charger-restored",
  "illegal-suspected",
  "session-start",
  "session-end",
  "refused",
] as const satisfies readonly DeviceEventName[];

export const CHARGER_REASONS = [
  "none",
  "overload",
  "shed-total",
  "over-temp",
  "short-circuit",
  "full-charge",
  "time-limit",
  "illegal-load",
  "command",
] as const satisfies readonly ChargerReasonName[];

export const THRESHOLD_METRICS = [
  "shed-temp-c",
  "port-power-w",
  "battery-mv",
  "smoke-level",
] as const satisfies readonly ThresholdMetric[];

export const ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$";
export const DEVICE_ID_PATTERN = "^[0-9a-fA-F]{8}$";

const severity = { type: "string", enum: SEVERITIES };
const alarmKind = { type: "string", enum: ALARM_KINDS };
const uniqueStrings = (items: object) => ({ type: "array", items, uniqueItems: true });

/** Keys every rule may carry. */
const scope = {
  id: { type: "string", pattern: ID_PATTERN },
  enabled: { type: "boolean", default: true },
  description: { type: "string" },
  devices: uniqueStrings({ type: "string", pattern: DEVICE_ID_PATTERN }),
  buildings: uniqueStrings({ type: "string" }),
  sheds: uniqueStrings({ type: "string" }),
};

function ruleSchema(kind: string, props: Record<string, object>, required: string[] = []) {
  return {
    type: "object",
    required: ["id", "kind", ...required],
    additionalProperties: false,
    properties: { ...scope, kind: { const: kind }, ...props },
  };
}

const threshold = ruleSchema(
  "threshold",
  {
    metric: { type: "string", enum: THRESHOLD_METRICS },
    above: { type: "number" },
    below: { type: "number" },
    hysteresis: { type: "number", minimum: 0, default: 0 },
    durationS: { type: "number", minimum: 0, maximum: 86400, default: 0 },
    alarm: { ...alarmKind, default: "threshold" },
    severity: { ...severity, default: "major" },
    cut: { type: "string", enum: ["none", "port", "all"], default: "none" },
    ports: uniqueStrings({ type: "integer", minimum: 0, maximum: 11 }),
    plausible: {
      type: "object",
      additionalProperties: false,
      properties: {
        min: { type: "number" },
        max: { type: "number" },
        maxStepPerS: { type: "number", exclusiveMinimum: 0 },
      },
    },
  },
  ["metric"],
);

const deviceEvent = ruleSchema(
  "device-event",
  {
    on: { ...uniqueStrings({ type: "string", enum: DEVICE_EVENTS }), minItems: 1 },
    reasons: { ...uniqueStrings({ type: "string", enum: CHARGER_REASONS }), minItems: 1 },
    clearOn: { ...uniqueStrings({ type: "string", enum: DEVICE_EVENTS }), default: [] },
    alarm: alarmKind,
    severity: { ...severity, default: "major" },
    perPort: { type: "boolean", default: true },
    interlink: {
      type: "object",
      additionalProperties: false,
      properties: { soundDurationS: { type: "integer", minimum: 1, maximum: 3600, default: 300 } },
    },
    notify: { type: "boolean", default: false },
  },
  ["on"],
);

const absence = ruleSchema("absence", {
  deviceKinds: {
    ...uniqueStrings({ type: "string", enum: DEVICE_KINDS }),
    minItems: 1,
    default: ["smoke", "charger", "guardian"],
  },
  factor: { type: "number", minimum: 1, maximum: 10, default: 2 },
  alarm: { ...alarmKind, default: "device-lost" },
  severity: { ...severity, default: "major" },
});

const aggregate = ruleSchema("aggregate", {
  limitW: { type: "number", exclusiveMinimum: 0 },
  refuseW: { type: "number", exclusiveMinimum: 0 },
  refuseHoldS: { type: "integer", minimum: 10, maximum: 3600, default: 120 },
  hysteresisW: { type: "number", minimum: 0, default: 300 },
  durationS: { type: "number", minimum: 0, maximum: 3600, default: 3 },
  staleS: { type: "number", exclusiveMinimum: 0, default: 120 },
  idleW: { type: "number", minimum: 0, default: 10 },
  alarm: { ...alarmKind, default: "shed-overload" },
  severity: { ...severity, default: "major" },
  cut: { type: "string", enum: ["newest", "none"], default: "newest" },
});

const illegalLoad = ruleSchema("illegal-load", {
  flatMinW: { type: "number", exclusiveMinimum: 0, default: 800 },
  windowS: { type: "number", minimum: 5, maximum: 600, default: 40 },
  flatTolerancePct: { type: "number", exclusiveMinimum: 0, maximum: 100, default: 5 },
  taperPct: { type: "number", exclusiveMinimum: 0, maximum: 100, default: 8 },
  stepW: { type: "number", exclusiveMinimum: 0, default: 600 },
  stepAboveW: { type: "number", exclusiveMinimum: 0, default: 900 },
  stepMaxGapS: { type: "number", exclusiveMinimum: 0, default: 15 },
  idleW: { type: "number", minimum: 0, default: 10 },
  alarm: { ...alarmKind, default: "illegal-load" },
  severity: { ...severity, default: "major" },
  cut: { type: "boolean", default: true },
});

const inactivity = ruleSchema(
  "inactivity",
  {
    windows: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["from", "to", "maxIdleS"],
        additionalProperties: false,
        properties: {
          from: { type: "string", pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$" },
          to: { type: "string", pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$" },
          maxIdleS: { type: "integer", minimum: 60 },
        },
      },
    },
    alarm: { ...alarmKind, default: "welfare" },
    severity: { ...severity, default: "major" },
  },
  ["windows"],
);

const HHMM = { type: "string", pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$" };
const obj = (properties: Record<string, object>) => ({
  type: "object",
  additionalProperties: false,
  default: {},
  properties,
});

const welfare = ruleSchema("welfare", {
  window: obj({ from: { ...HHMM, default: "07:00" }, to: { ...HHMM, default: "22:00" } }),
  maxIdleS: { type: "integer", minimum: 600, maximum: 86400, default: 10800 },
  minIdleS: { type: "integer", minimum: 600, maximum: 86400, default: 5400 },
  overdueRatio: { type: "number", exclusiveMinimum: 0, maximum: 1, default: 0.66 },
  learn: obj({
    days: { type: "integer", minimum: 0, maximum: 28, default: 7 },
    earliestStart: { ...HHMM, default: "05:00" },
    latestStart: { ...HHMM, default: "10:00" },
  }),
  away: obj({
    confirmS: { type: "integer", minimum: 60, maximum: 7200, default: 900 },
    overdueS: { type: "integer", minimum: 600, maximum: 7 * 86400, default: 86400 },
  }),
  night: obj({
    from: { ...HHMM, default: "23:00" },
    to: { ...HHMM, default: "05:00" },
    returnS: { type: "integer", minimum: 60, maximum: 21600, default: 1800 },
  }),
  sensor: obj({
    silentFactor: { type: "number", minimum: 1, maximum: 10, default: 2 },
    lowBatteryMv: { type: "integer", minimum: 0, maximum: 5000, default: 2300 },
    silentSeverity: { ...severity, default: "major" },
    batterySeverity: { ...severity, default: "maintenance" },
  }),
  alarm: { ...alarmKind, default: "welfare" },
  severity: { ...severity, default: "major" },
  wandering: obj({
    alarm: { ...alarmKind, default: "wandering" },
    severity: { ...severity, default: "critical" },
  }),
});

const security = ruleSchema("security", {
  reasons: {
    ...uniqueStrings({
      type: "string",
      enum: ["bad-mac", "replayed", "decommissioned", "wrong-direction"],
    }),
    minItems: 1,
    default: ["bad-mac", "replayed"],
  },
  count: { type: "integer", minimum: 1, maximum: 10000, default: 5 },
  windowS: { type: "number", exclusiveMinimum: 0, maximum: 86400, default: 60 },
  quietS: { type: "number", exclusiveMinimum: 0, default: 600 },
  alarm: { ...alarmKind, default: "security" },
  severity: { ...severity, default: "major" },
});

export const ruleItemSchema = {
  type: "object",
  required: ["kind"],
  properties: { kind: { type: "string" } },
  discriminator: { propertyName: "kind" },
  oneOf: [threshold, deviceEvent, absence, aggregate, illegalLoad, inactivity, welfare, security],
};

export const RULE_KINDS = [
  "threshold",
  "device-event",
  "absence",
  "aggregate",
  "illegal-load",
  "inactivity",
  "welfare",
  "security",
] as const;
