/**
 * The gateway <-> cloud payloads, defined once (TypeBox): protocol/uplink.ts
 * takes its TypeScript types from these, the cloud bridge validates uplinks
 * and the gateway validates command payloads with the same objects as JSON
 * Schema. Extra properties are allowed on uplinks (a newer gateway may add
 * fields); every field a reader uses is required and typed.
 */
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import {
  ChargerEventMsgSchema,
  ChargerTelemetryMsgSchema,
  CommandAckMsgSchema,
  GroupAckMsgSchema,
  GuardianActivityMsgSchema,
  SmokeEventMsgSchema,
  StatusMsgSchema,
} from "./message-schemas.js";

const uint = Type.Integer({ minimum: 0 });
const ms = Type.Number({ minimum: 0 });
const id = Type.String({ minLength: 1, maxLength: 128 });
const v1 = Type.Literal(1);

/** One of some strings: a JSON Schema string `enum`, typed as the union of the strings. */
function literals<const T extends string[]>(...values: T) {
  return Type.Unsafe<T[number]>({ type: "string", enum: values });
}

export const DeviceKindNameSchema = literals("smoke", "charger", "guardian");

export const ReceiverReadingSchema = Type.Object({
  receiver: Type.String(),
  /** Signal strength in dBm when the receiver reports one. */
  rssi: Type.Optional(Type.Number()),
});

/** The bodies a gateway of this version sends. */
export const UplinkBodySchema = Type.Union([
  StatusMsgSchema,
  ChargerTelemetryMsgSchema,
  GuardianActivityMsgSchema,
  SmokeEventMsgSchema,
  ChargerEventMsgSchema,
  CommandAckMsgSchema,
  GroupAckMsgSchema,
]);

/**
 * Any body, as the bridge first reads it: a `type` it may not know yet (a
 * newer gateway or firmware). Known types are then checked against their own
 * schema (message-schemas.ts UPLINK_BODY_SCHEMAS); an unknown one is stored
 * and counted, not rejected. The pattern keeps the type safe as a tag value.
 */
export const AnyBodySchema = Type.Object({
  type: Type.String({ pattern: "^[a-z][a-z0-9-]{0,47}$" }),
});

function envelopeOf<B extends TSchema>(body: B) {
  return Type.Object({
    v: v1,
    site: id,
    gateway: id,
    /** Device id as 8 lower-case hex digits. */
    deviceId: Type.String({ pattern: "^[0-9a-f]{8}$" }),
    deviceKind: DeviceKindNameSchema,
    /** Outbox sequence number, unique and increasing per gateway: the idempotency key downstream. */
    seq: uint,
    /** Device frame counter. */
    counter: uint,
    /** Milliseconds since the epoch when the gateway accepted the frame. */
    ts: ms,
    /** True when the message was delivered from a backlog after an uplink outage. */
    historical: Type.Boolean(),
    receivers: Type.Array(ReceiverReadingSchema, { maxItems: 32 }),
    /**
     * Where the device is, from the gateway's registry (site config `devices[]`),
     * each present only when known: the building id, the charging shed id
     * (chargers; one shed may hold several chargers, site config `sheds[]`) and
     * the place inside the building or site, e.g. "2-201".
     */
    building: Type.Optional(Type.String({ maxLength: 256 })),
    shed: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    location: Type.Optional(Type.String({ maxLength: 256 })),
    body,
  });
}

/** dev/{deviceId}/telemetry and dev/{deviceId}/event, as the gateway sends them. */
export const UplinkEnvelopeSchema = envelopeOf(UplinkBodySchema);
/** The same envelope with a body of any type: the bridge's first check. */
export const AnyUplinkEnvelopeSchema = envelopeOf(AnyBodySchema);

/**
 * batch: several device envelopes in one MQTT message, in outbox order, so a
 * busy gateway needs one publish and one PUBACK for many frames. A batch never
 * mixes live and backlog envelopes: its `historical` is that of every envelope
 * in it. Alarm envelopes and alarm transitions never go in a batch (they are
 * published alone, at once). Bounded by the gateway's `cloud.batch` (entries
 * and bytes); a lone envelope goes on its own topic. The bridge checks each
 * envelope on its own (AnyUplinkEnvelopeSchema), so here they are objects.
 */
export const UplinkBatchSchema = Type.Object({
  v: v1,
  site: id,
  gateway: id,
  historical: Type.Boolean(),
  envelopes: Type.Array(Type.Object({}), { minItems: 1, maxItems: 10000 }),
});

/** Every alarm kind, once: the contract's schema and the site config's enums both use it. */
export const ALARM_KINDS = [
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
] as const;
export const AlarmKindSchema = literals(...ALARM_KINDS);

export const SEVERITIES = ["critical", "major", "minor", "maintenance"] as const;
export const SeveritySchema = literals(...SEVERITIES);

export const AlarmTransitionKindSchema = literals("raised", "cleared", "acknowledged", "escalated");

/** alarm: one transition of one alarm. */
export const AlarmTransitionSchema = Type.Object({
  v: v1,
  site: id,
  gateway: id,
  /** Stable id of one alarm (one event), the same on every transition of it. */
  alarmId: id,
  transition: AlarmTransitionKindSchema,
  kind: AlarmKindSchema,
  severity: SeveritySchema,
  deviceId: Type.String({ maxLength: 64 }),
  /** Charger port index from 0 (people see it from 1), when the alarm is about one port. */
  port: Type.Optional(uint),
  /** The rule that raised it. */
  rule: Type.String({ maxLength: 128 }),
  active: Type.Boolean(),
  acknowledged: Type.Boolean(),
  raisedAt: ms,
  clearedAt: Type.Optional(ms),
  acknowledgedAt: Type.Optional(ms),
  acknowledgedBy: Type.Optional(Type.String({ maxLength: 256 })),
  comment: Type.Optional(Type.String({ maxLength: 2000 })),
  /** Escalation level, 0 when not escalated. */
  level: uint,
  /** Human-readable evidence, e.g. which illegal-load signature matched. */
  evidence: Type.Optional(Type.String({ maxLength: 2000 })),
  location: Type.Optional(Type.String({ maxLength: 256 })),
  seq: uint,
  ts: ms,
  historical: Type.Boolean(),
});

/** status: the retained birth message and last will. */
export const GatewayStatusSchema = Type.Object({
  v: v1,
  site: id,
  gateway: id,
  online: Type.Boolean(),
  ts: ms,
  version: Type.Optional(Type.String()),
});

/** A guardian resident's welfare state (gateway/rules/welfare/resident.ts). */
export const RESIDENT_STATES = [
  "unknown",
  "active",
  "quiet",
  "overdue",
  "alarm",
  "away",
  "back",
  "wandering",
  "sensor-fault",
] as const;
export const ResidentStateNameSchema = literals(...RESIDENT_STATES);

/**
 * dev/{deviceId}/resident: a guardian resident's state change. States and
 * times only, never the sensor's raw door and motion stream (personal data
 * stays minimal in the cloud); the resident is known by the flat, not by name.
 */
export const ResidentStateSchema = Type.Object({
  v: v1,
  site: id,
  gateway: id,
  deviceId: Type.String({ pattern: "^[0-9a-f]{8}$" }),
  state: ResidentStateNameSchema,
  /** When this state began (ms since the epoch). */
  since: ms,
  /** The last door or motion activity, when known. */
  lastActivityAt: Type.Optional(ms),
  building: Type.Optional(Type.String({ maxLength: 128 })),
  location: Type.Optional(Type.String({ maxLength: 128 })),
  seq: uint,
  ts: ms,
  historical: Type.Boolean(),
});

/** Where a device stands in a firmware-update campaign (gateway/ota/campaign-plan.ts). */
export const OTA_PROGRESS_STATES = [
  "queued",
  "transferring",
  "verifying",
  "switched",
  "reported",
  "rolled-back",
  "failed",
] as const;
export const OtaProgressStateSchema = literals(...OTA_PROGRESS_STATES);

/**
 * dev/{deviceId}/ota: one device's progress in a firmware-update campaign,
 * sent by the gateway on every state change and every 10 % of a transfer.
 */
export const OtaProgressSchema = Type.Object({
  v: v1,
  site: id,
  gateway: id,
  deviceId: Type.String({ pattern: "^[0-9a-f]{8}$" }),
  campaign: id,
  /** The version the campaign installs ("1.2.0"). */
  version: Type.String({ pattern: "^[0-9]+\\.[0-9]+\\.[0-9]+$" }),
  state: OtaProgressStateSchema,
  /** Share of the image the device holds, 0..100. */
  percent: Type.Integer({ minimum: 0, maximum: 100 }),
  /** Why it failed or rolled back, in words. */
  reason: Type.Optional(Type.String({ maxLength: 256 })),
  building: Type.Optional(Type.String({ maxLength: 128 })),
  location: Type.Optional(Type.String({ maxLength: 128 })),
  seq: uint,
  ts: ms,
  historical: Type.Boolean(),
});

/** health: periodic gateway health. */
/**
 * A device the gateway has registered (commissioned) but never heard: no
 * frame of it has arrived yet. Sent in each health message so the cloud lists
 * it as "installed, not yet heard" (it has no envelope to learn it from).
 */
export const UnheardDeviceSchema = Type.Object({
  deviceId: Type.String({ pattern: "^[0-9a-f]{8}$" }),
  kind: DeviceKindNameSchema,
  /** Milliseconds since the epoch when the gateway registered it. */
  registeredAt: ms,
  building: Type.Optional(Type.String({ maxLength: 256 })),
  shed: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  location: Type.Optional(Type.String({ maxLength: 256 })),
});

export const GatewayHealthSchema = Type.Object({
  v: v1,
  site: id,
  gateway: id,
  ts: ms,
  uplink: literals("connected", "disconnected"),
  outboxDepth: uint,
  oldestEntryAgeS: Type.Number({ minimum: 0 }),
  devices: uint,
  pendingDevices: uint,
  activeAlarms: uint,
  counters: Type.Record(Type.String(), Type.Number(), { maxProperties: 256 }),
  /** Registered devices never heard (absent from gateways older than this field: unknown). */
  unheard: Type.Optional(Type.Array(UnheardDeviceSchema, { maxItems: 5000 })),
});

export const CommandNameSchema = literals("ack-alarm", "set-port", "update-config", "sound");

/** The payload of each operator command (request/{command}); no extra fields. */
export const CommandPayloadSchemas = {
  "ack-alarm": Type.Object(
    {
      alarmId: Type.String({ minLength: 1, maxLength: 200 }),
      by: Type.String({ minLength: 1, maxLength: 200 }),
      comment: Type.Optional(Type.String({ maxLength: 2000 })),
    },
    { additionalProperties: false },
  ),
  "set-port": Type.Object(
    {
      deviceId: Type.String({ pattern: "^[0-9a-f]{8}$" }),
      /** Port index from 0 on the wire; people see it from 1. */
      port: Type.Integer({ minimum: 0, maximum: 255 }),
      on: Type.Boolean(),
    },
    { additionalProperties: false },
  ),
  "update-config": Type.Object(
    { yaml: Type.String({ minLength: 1, maxLength: 1_000_000 }) },
    { additionalProperties: false },
  ),
  sound: Type.Object(
    { building: Type.String({ minLength: 1 }), mode: literals("fire", "hush", "stop") },
    { additionalProperties: false },
  ),
} as const;

/** response/{command}: the gateway's answer to one command. */
export const CommandResponseSchema = Type.Object({
  transaction: id,
  command: CommandNameSchema,
  ok: Type.Boolean(),
  error: Type.Optional(Type.String()),
  data: Type.Optional(Type.Unknown()),
});

export type AnyUplinkEnvelope = Static<typeof AnyUplinkEnvelopeSchema>;
