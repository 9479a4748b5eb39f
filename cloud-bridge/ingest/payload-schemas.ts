/**
 * JSON Schemas of the gateway -> cloud payloads (protocol/uplink.ts). Extra
 * properties are allowed (a newer gateway may add fields); every field the
 * bridge reads is required and typed.
 */

const int = { type: "integer" };
const uint = { type: "integer", minimum: 0 };
const str = { type: "string" };
const id = { type: "string", minLength: 1, maxLength: 128 };
const hex8 = { type: "string", pattern: "^[0-9a-f]{8}$" };
const ms = { type: "number", minimum: 0 };

function body(type: string, props: Record<string, unknown>) {
  return {
    type: "object",
    required: ["type", ...Object.keys(props)],
    properties: { type: { const: type }, ...props },
  };
}

export const uplinkEnvelopeSchema = {
  type: "object",
  required: [
    "v",
    "site",
    "gateway",
    "deviceId",
    "deviceKind",
    "seq",
    "counter",
    "ts",
    "historical",
    "receivers",
    "body",
  ],
  properties: {
    v: { const: 1 },
    site: id,
    gateway: id,
    deviceId: hex8,
    deviceKind: { enum: ["smoke", "charger", "guardian"] },
    seq: uint,
    counter: uint,
    ts: ms,
    historical: { type: "boolean" },
    receivers: {
      type: "array",
      maxItems: 32,
      items: {
        type: "object",
        required: ["receiver"],
        properties: { receiver: str, rssi: { type: "number" } },
      },
    },
    building: { type: "string", maxLength: 256 },
    shed: { type: "string", minLength: 1, maxLength: 128 },
    location: { type: "string", maxLength: 256 },
    body: {
      type: "object",
      required: ["type"],
      discriminator: { propertyName: "type" },
      oneOf: [
        body("status", {
          deviceKind: int,
          batteryMv: uint,
          fwMajor: uint,
          fwMinor: uint,
          fwPatch: uint,
          uptimeS: uint,
          resetCause: uint,
        }),
        body("charger-telemetry", {
          tempDeciC: int,
          ports: {
            type: "array",
            maxItems: 12,
            items: {
              type: "object",
              required: ["powerW", "energyWh", "state", "relayOn"],
              properties: {
                powerW: uint,
                energyWh: uint,
                state: uint,
                relayOn: { type: "boolean" },
              },
            },
          },
        }),
        body("guardian-activity", {
          doorOpens: uint,
          motionCount: uint,
          idleS: uint,
          batteryMv: uint,
        }),
        body("smoke-event", { event: uint, smokeLevel: uint, batteryMv: uint, eventId: uint }),
        body("charger-event", {
          port: uint,
          event: uint,
          reason: uint,
          powerW: uint,
          tempDeciC: int,
          sessionS: uint,
        }),
      ],
    },
  },
} as const;

export const alarmTransitionSchema = {
  type: "object",
  required: [
    "v",
    "site",
    "gateway",
    "alarmId",
    "transition",
    "kind",
    "severity",
    "deviceId",
    "rule",
    "active",
    "acknowledged",
    "raisedAt",
    "level",
    "seq",
    "ts",
    "historical",
  ],
  properties: {
    v: { const: 1 },
    site: id,
    gateway: id,
    alarmId: id,
    transition: { enum: ["raised", "cleared", "acknowledged", "escalated"] },
    kind: {
      enum: [
        "fire",
        "smoke-fault",
        "tamper",
        "low-battery",
        "end-of-life",
        "device-lost",
        "port-overload",
        "shed-overload",
        "over-temperature",
        "short-circuit",
        "illegal-load",
        "welfare",
        "wandering",
        "threshold",
        "security",
      ],
    },
    severity: { enum: ["critical", "major", "minor", "maintenance"] },
    deviceId: { type: "string", maxLength: 64 },
    port: uint,
    rule: { type: "string", maxLength: 128 },
    active: { type: "boolean" },
    acknowledged: { type: "boolean" },
    raisedAt: ms,
    clearedAt: ms,
    acknowledgedAt: ms,
    acknowledgedBy: { type: "string", maxLength: 256 },
    comment: { type: "string", maxLength: 2000 },
    level: uint,
    evidence: { type: "string", maxLength: 2000 },
    location: { type: "string", maxLength: 256 },
    seq: uint,
    ts: ms,
    historical: { type: "boolean" },
  },
} as const;

export const gatewayStatusSchema = {
  type: "object",
  required: ["v", "site", "gateway", "online", "ts"],
  properties: {
    v: { const: 1 },
    site: id,
    gateway: id,
    online: { type: "boolean" },
    ts: ms,
    version: str,
  },
} as const;

export const gatewayHealthSchema = {
  type: "object",
  required: [
    "v",
    "site",
    "gateway",
    "ts",
    "uplink",
    "outboxDepth",
    "oldestEntryAgeS",
    "devices",
    "pendingDevices",
    "activeAlarms",
    "counters",
  ],
  properties: {
    v: { const: 1 },
    site: id,
    gateway: id,
    ts: ms,
    uplink: { enum: ["connected", "disconnected"] },
    outboxDepth: uint,
    oldestEntryAgeS: { type: "number", minimum: 0 },
    devices: uint,
    pendingDevices: uint,
    activeAlarms: uint,
    counters: { type: "object", maxProperties: 256, additionalProperties: { type: "number" } },
  },
} as const;

export const commandResponseSchema = {
  type: "object",
  required: ["transaction", "command", "ok"],
  properties: {
    transaction: id,
    command: { enum: ["ack-alarm", "set-port", "update-config", "sound"] },
    ok: { type: "boolean" },
    error: str,
  },
} as const;
