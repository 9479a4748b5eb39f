/**
 * The gateway <-> cloud contract: the MQTT topic tree as types (topic
 * template -> payload) and the JSON payloads. Gateway, cloud-bridge and
 * dashboards import this; firmware does not (it is not ES5-checked).
 *
 * Topics (all under `haitang/v1/{site}/{gateway}`):
 *   status                      retained birth / last-will          GatewayStatus
 *   health                      periodic gateway health             GatewayHealth
 *   dev/{deviceId}/telemetry    status, charger telemetry, guardian UplinkEnvelope
 *   dev/{deviceId}/event        smoke and charger events            UplinkEnvelope
 *   alarm                       alarm transitions                   AlarmTransition
 *   request/{command}           operator -> gateway                 CommandRequest
 *   response/{command}          gateway -> operator                 CommandResponse
 */
import type {
  ChargerEventMsg,
  ChargerTelemetryMsg,
  GuardianActivityMsg,
  SmokeEventMsg,
  StatusMsg,
} from "./messages.js";

export const TOPIC_ROOT = "haitang/v1";

export type DeviceKindName = "smoke" | "charger" | "guardian";

export interface ReceiverReading {
  receiver: string;
  /** Signal strength in dBm when the receiver reports one. */
  rssi?: number;
}

export interface UplinkEnvelope<
  B = StatusMsg | ChargerTelemetryMsg | GuardianActivityMsg | SmokeEventMsg | ChargerEventMsg,
> {
  v: 1;
  site: string;
  gateway: string;
  /** Device id as 8 lower-case hex digits. */
  deviceId: string;
  deviceKind: DeviceKindName;
  /** Outbox sequence number, unique and increasing per gateway: the idempotency key downstream. */
  seq: number;
  /** Device frame counter. */
  counter: number;
  /** Milliseconds since the epoch when the gateway accepted the frame. */
  ts: number;
  /** True when the message was delivered from a backlog after an uplink outage. */
  historical: boolean;
  receivers: ReceiverReading[];
  /**
   * Where the device is, from the gateway's registry (site config `devices[]`),
   * each present only when known: the building id, the charging shed id
   * (chargers; one shed may hold several chargers, site config `sheds[]`) and
   * the place inside the building or site, e.g. "2-201".
   */
  building?: string;
  shed?: string;
  location?: string;
  body: B;
}

export type AlarmKind =
  | "fire"
  | "smoke-fault"
  | "tamper"
  | "low-battery"
  | "end-of-life"
  | "device-lost"
  | "port-overload"
  | "shed-overload"
  | "over-temperature"
  | "short-circuit"
  | "illegal-load"
  | "welfare"
  | "wandering"
  | "threshold"
  | "security";

export type Severity = "critical" | "major" | "minor" | "maintenance";

export type AlarmTransitionKind = "raised" | "cleared" | "acknowledged" | "escalated";

export interface AlarmTransition {
  v: 1;
  site: string;
  gateway: string;
  /** Stable id of one alarm (one event), the same on every transition of it. */
  alarmId: string;
  transition: AlarmTransitionKind;
  kind: AlarmKind;
  severity: Severity;
  deviceId: string;
  /** Charger port index, when the alarm is about one port. */
  port?: number;
  /** The rule that raised it. */
  rule: string;
  active: boolean;
  acknowledged: boolean;
  raisedAt: number;
  clearedAt?: number;
  acknowledgedAt?: number;
  acknowledgedBy?: string;
  comment?: string;
  /** Escalation level, 0 when not escalated. */
  level: number;
  /** Human-readable evidence, e.g. which illegal-load signature matched. */
  evidence?: string;
  location?: string;
  seq: number;
  ts: number;
  historical: boolean;
}

export interface GatewayStatus {
  v: 1;
  site: string;
  gateway: string;
  online: boolean;
  ts: number;
  version?: string;
}

export interface GatewayHealth {
  v: 1;
  site: string;
  gateway: string;
  ts: number;
  uplink: "connected" | "disconnected";
  outboxDepth: number;
  oldestEntryAgeS: number;
  devices: number;
  pendingDevices: number;
  activeAlarms: number;
  counters: Record<string, number>;
}

export type CommandName = "ack-alarm" | "set-port" | "update-config" | "sound";

export interface CommandPayloads {
  "ack-alarm": { alarmId: string; by: string; comment?: string };
  "set-port": { deviceId: string; port: number; on: boolean };
  "update-config": { yaml: string };
  sound: { building: string; mode: "fire" | "hush" | "stop" };
}

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

export interface CommandResponse {
  transaction: string;
  command: CommandName;
  ok: boolean;
  error?: string;
  data?: unknown;
}

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
  alarm: (site: string, gw: string) => `${TOPIC_ROOT}/${site}/${gw}/alarm`,
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
  | { kind: "status" | "health" | "alarm"; site: string; gateway: string }
  | { kind: "telemetry" | "event"; site: string; gateway: string; deviceId: string }
  | { kind: "request" | "response"; site: string; gateway: string; command: string };

/** Parses a topic of the tree; undefined for anything else. */
export function parseTopic(topic: string): ParsedTopic | undefined {
  const parts = topic.split("/");
  if (parts[0] !== "haitang" || parts[1] !== "v1" || parts.length < 5) return undefined;
  const site = parts[2]!;
  const gateway = parts[3]!;
  const rest = parts.slice(4);
  if (rest.length === 1 && (rest[0] === "status" || rest[0] === "health" || rest[0] === "alarm")) {
    return { kind: rest[0], site, gateway };
  }
  if (rest.length === 3 && rest[0] === "dev" && (rest[2] === "telemetry" || rest[2] === "event")) {
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
