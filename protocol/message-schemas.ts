/**
 * The device -> gateway messages as the gateway forwards them to the cloud
 * (the `body` of an UplinkEnvelope), defined once: protocol/messages.ts takes
 * its uplink types from these (type-only, so firmware never bundles TypeBox)
 * and the cloud bridge validates with the same objects as JSON Schema.
 * Codes and units: constants.ts and docs/protocol.md.
 */
import { type TObject, Type } from "@sinclair/typebox";

const uint = Type.Integer({ minimum: 0 });
const int = Type.Integer();

export const StatusMsgSchema = Type.Object({
  type: Type.Literal("status"),
  deviceKind: int,
  batteryMv: uint,
  fwMajor: uint,
  fwMinor: uint,
  fwPatch: uint,
  uptimeS: uint,
  resetCause: uint,
});

export const SmokeEventMsgSchema = Type.Object({
  type: Type.Literal("smoke-event"),
  event: uint,
  /** Smoke obscuration in hundredths of a percent per metre. */
  smokeLevel: uint,
  batteryMv: uint,
  /** Increments once per physical event; repeats and retries of one event carry the same id. */
  eventId: uint,
});

export const PortReadingSchema = Type.Object({
  powerW: uint,
  energyWh: uint,
  state: uint,
  relayOn: Type.Boolean(),
});

export const ChargerTelemetryMsgSchema = Type.Object({
  type: Type.Literal("charger-telemetry"),
  /** Shed temperature in tenths of a degree Celsius. */
  tempDeciC: int,
  ports: Type.Array(PortReadingSchema, { maxItems: 12 }),
});

export const ChargerEventMsgSchema = Type.Object({
  type: Type.Literal("charger-event"),
  /** Port index from 0 on the wire (people see it from 1: common/port-label.ts), or PORT_ALL for the shed. */
  port: uint,
  event: uint,
  reason: uint,
  powerW: uint,
  tempDeciC: int,
  sessionS: uint,
});

export const GuardianActivityMsgSchema = Type.Object({
  type: Type.Literal("guardian-activity"),
  doorOpens: uint,
  motionCount: uint,
  /** Seconds since the last door or motion activity. */
  idleS: uint,
  batteryMv: uint,
});

export const CommandAckMsgSchema = Type.Object({
  type: Type.Literal("command-ack"),
  ackedCounter: uint,
  result: uint,
});

/** A detector heard its building's group sounding (TYPE_GROUP_ACK): the group frame's counter. */
export const GroupAckMsgSchema = Type.Object({
  type: Type.Literal("group-ack"),
  ackedCounter: uint,
  result: uint,
});

/** Every uplink body by its `type`: what the bridge checks a known body against. */
export const UPLINK_BODY_SCHEMAS = {
  status: StatusMsgSchema,
  "smoke-event": SmokeEventMsgSchema,
  "charger-telemetry": ChargerTelemetryMsgSchema,
  "charger-event": ChargerEventMsgSchema,
  "guardian-activity": GuardianActivityMsgSchema,
  "command-ack": CommandAckMsgSchema,
  "group-ack": GroupAckMsgSchema,
} as const satisfies Record<string, TObject>;

export type UplinkBodyType = keyof typeof UPLINK_BODY_SCHEMAS;

/** Which device kind may send a body (absent: any kind, e.g. command-ack). */
export const BODY_DEVICE_KIND: Partial<Record<UplinkBodyType, "smoke" | "charger" | "guardian">> = {
  "charger-telemetry": "charger",
  "charger-event": "charger",
  "smoke-event": "smoke",
  "guardian-activity": "guardian",
};

/** Which topic a body travels on: events are on dev/{id}/event, the rest on dev/{id}/telemetry. */
export const BODY_TOPIC: Record<UplinkBodyType, "telemetry" | "event"> = {
  status: "telemetry",
  "charger-telemetry": "telemetry",
  "guardian-activity": "telemetry",
  "smoke-event": "event",
  "charger-event": "event",
  "command-ack": "event",
  "group-ack": "event",
};
