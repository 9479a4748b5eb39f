/**
 * The gateway <-> cloud contract: the MQTT topic tree as types (topic
 * template -> payload) and the JSON payloads. Gateway, cloud-bridge and
 * dashboards import this; firmware does not (it is not ES5-checked).
 *
 * Topics (all under `haitang/v1/{site}/{gateway}`):
 *   status                      retained birth / last-will          GatewayStatus
 *   health                      periodic gateway health, with the   GatewayHealth
 *                               registered devices never heard
 *   dev/{deviceId}/telemetry    status, charger telemetry, guardian UplinkEnvelope
 *   dev/{deviceId}/event        smoke and charger events            UplinkEnvelope
 *   alarm                       alarm transitions                   AlarmTransition
 *   dev/{deviceId}/resident     guardian resident's welfare state   ResidentState
 *   dev/{deviceId}/ota          firmware-update progress            OtaProgress
 *   batch                       several device envelopes            UplinkBatch
 *   request/{command}           operator -> gateway                 CommandRequest
 *   response/{command}          gateway -> operator                 CommandResponse
 */
import type { Static } from "@sinclair/typebox";
import type {
  AlarmKindSchema,
  AlarmTransitionKindSchema,
  AlarmTransitionSchema,
  CommandNameSchema,
  CommandPayloadSchemas,
  CommandResponseSchema,
  DeviceKindNameSchema,
  GatewayHealthSchema,
  GatewayStatusSchema,
  OtaProgressSchema,
  ReceiverReadingSchema,
  ResidentStateNameSchema,
  ResidentStateSchema,
  SeveritySchema,
  UnheardDeviceSchema,
  UplinkBatchSchema,
  UplinkBodySchema,
  UplinkEnvelopeSchema,
} from "./uplink-schemas.js";

export const TOPIC_ROOT = "haitang/v1";

// Every payload type below comes from its definition in uplink-schemas.ts (the
// JSON Schemas the cloud bridge validates with): one contract, no second copy.

export type DeviceKindName = Static<typeof DeviceKindNameSchema>;

export type ReceiverReading = Static<typeof ReceiverReadingSchema>;

/** Every body a gateway of this version sends on dev/{id}/telemetry or dev/{id}/event. */
export type UplinkBody = Static<typeof UplinkBodySchema>;

/** The envelope of one device message; `B` narrows the body for code that knows its type. */
export type UplinkEnvelope<B = UplinkBody> = Omit<Static<typeof UplinkEnvelopeSchema>, "body"> & {
  body: B;
};

/** Several envelopes in one message (topic `batch`); see UplinkBatchSchema. */
export type UplinkBatch = Omit<Static<typeof UplinkBatchSchema>, "envelopes"> & {
  envelopes: UplinkEnvelope[];
};

export type AlarmKind = Static<typeof AlarmKindSchema>;

export type Severity = Static<typeof SeveritySchema>;

export type AlarmTransitionKind = Static<typeof AlarmTransitionKindSchema>;

export type AlarmTransition = Static<typeof AlarmTransitionSchema>;

export type GatewayStatus = Static<typeof GatewayStatusSchema>;

export type ResidentStateName = Static<typeof ResidentStateNameSchema>;

/** A guardian resident's state change: states and times only (dev/{deviceId}/resident). */
export type ResidentState = Static<typeof ResidentStateSchema>;

/** A device's progress in a firmware-update campaign (dev/{deviceId}/ota). */
export type OtaProgress = Static<typeof OtaProgressSchema>;

export type GatewayHealth = Static<typeof GatewayHealthSchema>;
export type UnheardDevice = Static<typeof UnheardDeviceSchema>;

export type CommandName = Static<typeof CommandNameSchema>;

export type CommandPayloads = {
  [C in CommandName]: Static<(typeof CommandPayloadSchemas)[C]>;
};

/**
 * An operator command. `signature` is hex HMAC-SHA256 under the site's command
 * key over canonicalCommand(); the gateway rejects a bad signature, an
 * `issuedAt` more than 5 minutes from its clock, and a reused transaction.
 */
export interface CommandRequest<C extends CommandName = CommandName> {
  transaction: string;
  command: C;
  issuedAt: number;
  payload: CommandPayloads[C];
  signature: string;
}

export type CommandResponse = Static<typeof CommandResponseSchema>;

/** The bytes that a command signature covers. */
export function canonicalCommand(req: Omit<CommandRequest, "signature">): string {
  return JSON.stringify([req.transaction, req.command, req.issuedAt, req.payload]);
}

export const topics = {
  status: (site: string, gw: string) => `${TOPIC_ROOT}/${site}/${gw}/status`,
  health: (site: string, gw: string) => `${TOPIC_ROOT}/${site}/${gw}/health`,
  telemetry: (site: string, gw: string, dev: string) =>
    `${TOPIC_ROOT}/${site}/${gw}/dev/${dev}/telemetry`,
  event: (site: string, gw: string, dev: string) => `${TOPIC_ROOT}/${site}/${gw}/dev/${dev}/event`,
  resident: (site: string, gw: string, dev: string) =>
    `${TOPIC_ROOT}/${site}/${gw}/dev/${dev}/resident`,
  ota: (site: string, gw: string, dev: string) => `${TOPIC_ROOT}/${site}/${gw}/dev/${dev}/ota`,
  alarm: (site: string, gw: string) => `${TOPIC_ROOT}/${site}/${gw}/alarm`,
  batch: (site: string, gw: string) => `${TOPIC_ROOT}/${site}/${gw}/batch`,
  request: (site: string, gw: string, cmd: CommandName) =>
    `${TOPIC_ROOT}/${site}/${gw}/request/${cmd}`,
  response: (site: string, gw: string, cmd: CommandName) =>
    `${TOPIC_ROOT}/${site}/${gw}/response/${cmd}`,
} as const;

/** Subscription filters used by the cloud bridge (with `$share/<group>/` in front). */
export const filters = {
  all: `${TOPIC_ROOT}/+/+/#`,
  requests: (site: string, gw: string) => `${TOPIC_ROOT}/${site}/${gw}/request/+`,
} as const;

export type ParsedTopic =
  | { kind: "status" | "health" | "alarm" | "batch"; site: string; gateway: string }
  | {
      kind: "telemetry" | "event" | "resident" | "ota";
      site: string;
      gateway: string;
      deviceId: string;
    }
  | { kind: "request" | "response"; site: string; gateway: string; command: string };

/** Parses a topic of the tree; undefined for anything else. */
export function parseTopic(topic: string): ParsedTopic | undefined {
  const parts = topic.split("/");
  if (parts[0] !== "haitang" || parts[1] !== "v1" || parts.length < 5) return undefined;
  const site = parts[2]!;
  const gateway = parts[3]!;
  const rest = parts.slice(4);
  if (
    rest.length === 1 &&
    (rest[0] === "status" || rest[0] === "health" || rest[0] === "alarm" || rest[0] === "batch")
  ) {
    return { kind: rest[0], site, gateway };
  }
  if (
    rest.length === 3 &&
    rest[0] === "dev" &&
    (rest[2] === "telemetry" || rest[2] === "event" || rest[2] === "resident" || rest[2] === "ota")
  ) {
    return { kind: rest[2], site, gateway, deviceId: rest[1]! };
  }
  if (rest.length === 2 && (rest[0] === "request" || rest[0] === "response")) {
    return { kind: rest[0], site, gateway, command: rest[1]! };
  }
  return undefined;
}

export function deviceIdHex(id: number): string {
  return (id >>> 0).toString(16).padStart(8, "0");
}
