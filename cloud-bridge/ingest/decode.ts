/**
 * Narrows one MQTT message of the gateway topic tree into a typed value, or
 * says why it was rejected. Never throws on bad input.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import {
  BODY_DEVICE_KIND,
  BODY_TOPIC,
  UPLINK_BODY_SCHEMAS,
  type UplinkBodyType,
} from "../../protocol/message-schemas.js";
import type {
  AlarmTransition,
  CommandResponse,
  GatewayHealth,
  GatewayStatus,
  OtaProgress,
  ResidentState,
  UplinkEnvelope,
} from "../../protocol/uplink.js";
import { parseTopic } from "../../protocol/uplink.js";
import {
  AlarmTransitionSchema,
  type AnyUplinkEnvelope,
  AnyUplinkEnvelopeSchema,
  CommandResponseSchema,
  GatewayHealthSchema,
  GatewayStatusSchema,
  OtaProgressSchema,
  ResidentStateSchema,
  UplinkBatchSchema,
} from "../../protocol/uplink-schemas.js";

/** One device envelope: a known body, or (a newer gateway or firmware) an unknown one. */
export type DeviceMessage =
  | { kind: "device"; topicKind: "telemetry" | "event"; envelope: UplinkEnvelope }
  /**
   * A body type this bridge does not know (a newer gateway or firmware): kept
   * (stored as an `uplink` point with its type) and counted, never rejected.
   */
  | { kind: "unknown-body"; topicKind: "telemetry" | "event"; envelope: AnyUplinkEnvelope };

export type Decoded =
  | DeviceMessage
  /**
   * Several envelopes of one gateway in one message (UplinkBatch): each valid
   * one is taken as if it had come alone; each invalid one is in `rejected`.
   */
  | {
      kind: "batch";
      site: string;
      gateway: string;
      devices: DeviceMessage[];
      rejected: Array<{ reason: RejectReason; detail: string }>;
    }
  | { kind: "alarm"; alarm: AlarmTransition }
  /** A guardian resident's welfare state: states and times only. */
  | { kind: "resident"; resident: ResidentState }
  /** A device's progress in a firmware-update campaign. */
  | { kind: "ota"; ota: OtaProgress }
  | { kind: "status"; status: GatewayStatus }
  | { kind: "health"; health: GatewayHealth }
  | { kind: "response"; site: string; gateway: string; response: CommandResponse }
  /** An operator command on its way down: not the bridge's to store. */
  | { kind: "request"; site: string; gateway: string };

export type RejectReason =
  | "unknown-topic"
  | "unknown-site"
  | "unknown-gateway"
  | "oversize"
  | "malformed-json"
  | "invalid-payload"
  | "topic-mismatch";

export type DecodeResult =
  | { ok: true; msg: Decoded }
  | { ok: false; reason: RejectReason; detail: string };

/** Which gateways may publish: the authenticated fleet from the config. */
export interface GatewayDirectory {
  check(site: string, gateway: string): "ok" | "unknown-site" | "unknown-gateway";
}

export function directoryFromSites(
  sites: Record<string, { gateways: string[] }>,
): GatewayDirectory {
  const bySite = new Map<string, Set<string>>();
  for (const [site, sc] of Object.entries(sites)) bySite.set(site, new Set(sc.gateways));
  return {
    check(site, gateway) {
      const gws = bySite.get(site);
      if (!gws) return "unknown-site";
      return gws.has(gateway) ? "ok" : "unknown-gateway";
    },
  };
}

// The schemas are the contract's own definitions (protocol/uplink-schemas.ts),
// the same objects the TypeScript types come from.
const ajv = new Ajv({ allErrors: false, strict: false });
const validators = {
  envelope: ajv.compile(AnyUplinkEnvelopeSchema),
  batch: ajv.compile(UplinkBatchSchema),
  alarm: ajv.compile(AlarmTransitionSchema),
  status: ajv.compile(GatewayStatusSchema),
  health: ajv.compile(GatewayHealthSchema),
  response: ajv.compile(CommandResponseSchema),
  resident: ajv.compile(ResidentStateSchema),
  ota: ajv.compile(OtaProgressSchema),
};
const bodyValidators = new Map<string, ValidateFunction>(
  Object.entries(UPLINK_BODY_SCHEMAS).map(([type, schema]) => [type, ajv.compile(schema)]),
);

function schemaError(errors: ErrorObject[] | null | undefined, prefix = ""): string {
  const e = errors?.[0];
  if (!e) return "does not match the schema";
  return `${prefix}${e.instancePath || (prefix ? "" : "/")} ${e.message ?? e.keyword}`;
}

function reject(reason: RejectReason, detail: string): DecodeResult {
  return { ok: false, reason, detail };
}

type Checked =
  | { ok: true; msg: DeviceMessage }
  | { ok: false; reason: RejectReason; detail: string };

/**
 * One envelope of `site`/`gateway`: on a device topic (its device id and
 * kind given) or inside a batch (the kind follows from the body type).
 */
function checkEnvelope(
  data: unknown,
  site: string,
  gateway: string,
  onTopic?: { deviceId: string; kind: "telemetry" | "event" },
): Checked {
  const no = (reason: RejectReason, detail: string): Checked => ({ ok: false, reason, detail });
  if (!validators.envelope(data))
    return no("invalid-payload", schemaError(validators.envelope.errors));
  const env = data as AnyUplinkEnvelope;
  if (
    env.site !== site ||
    env.gateway !== gateway ||
    (onTopic && env.deviceId !== onTopic.deviceId)
  ) {
    return no("topic-mismatch", `payload says ${env.site}/${env.gateway}/${env.deviceId}`);
  }
  const type = env.body.type;
  const topicKind = onTopic?.kind ?? BODY_TOPIC[type as UplinkBodyType] ?? "telemetry";
  const bodyCheck = bodyValidators.get(type);
  if (!bodyCheck) return { ok: true, msg: { kind: "unknown-body", topicKind, envelope: env } };
  if (!bodyCheck(env.body)) return no("invalid-payload", schemaError(bodyCheck.errors, "/body"));
  if (BODY_TOPIC[type as UplinkBodyType] !== topicKind)
    return no("topic-mismatch", `${type} on a ${topicKind} topic`);
  const kind = BODY_DEVICE_KIND[type as UplinkBodyType];
  if (kind && kind !== env.deviceKind) {
    return no("topic-mismatch", `${type} from a ${env.deviceKind} device`);
  }
  const envelope = env as UplinkEnvelope;
  return { ok: true, msg: { kind: "device", topicKind, envelope } };
}

export function decodeUplink(
  topic: string,
  payload: Uint8Array,
  directory: GatewayDirectory,
  maxPayloadBytes = 65536,
): DecodeResult {
  const t = parseTopic(topic);
  if (!t) return reject("unknown-topic", "not a topic of haitang/v1");
  const who = directory.check(t.site, t.gateway);
  if (who !== "ok") return reject(who, `${t.site}/${t.gateway} is not in the config`);
  if (t.kind === "request")
    return { ok: true, msg: { kind: "request", site: t.site, gateway: t.gateway } };
  if (payload.length > maxPayloadBytes) return reject("oversize", `${payload.length} bytes`);
  let data: unknown;
  try {
    data = JSON.parse(
      Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString("utf8"),
    );
  } catch (err) {
    return reject("malformed-json", err instanceof Error ? err.message : String(err));
  }
  const check = <T>(v: ValidateFunction): T | undefined => (v(data) ? (data as T) : undefined);
  const sameOrigin = (p: { site: string; gateway: string }) =>
    p.site === t.site && p.gateway === t.gateway;

  switch (t.kind) {
    case "telemetry":
    case "event":
      return checkEnvelope(data, t.site, t.gateway, { deviceId: t.deviceId, kind: t.kind });
    case "batch": {
      const batch = check<{ site: string; gateway: string; envelopes: unknown[] }>(
        validators.batch,
      );
      if (!batch) return reject("invalid-payload", schemaError(validators.batch.errors));
      if (!sameOrigin(batch))
        return reject("topic-mismatch", `payload says ${batch.site}/${batch.gateway}`);
      const devices: DeviceMessage[] = [];
      const rejected: Array<{ reason: RejectReason; detail: string }> = [];
      batch.envelopes.forEach((e, i) => {
        const r = checkEnvelope(e, t.site, t.gateway);
        if (r.ok) devices.push(r.msg);
        else rejected.push({ reason: r.reason, detail: `/envelopes/${i}: ${r.detail}` });
      });
      const msg: Decoded = { kind: "batch", site: t.site, gateway: t.gateway, devices, rejected };
      return { ok: true, msg };
    }
    case "alarm": {
      const alarm = check<AlarmTransition>(validators.alarm);
      if (!alarm) return reject("invalid-payload", schemaError(validators.alarm.errors));
      if (!sameOrigin(alarm))
        return reject("topic-mismatch", `payload says ${alarm.site}/${alarm.gateway}`);
      return { ok: true, msg: { kind: "alarm", alarm } };
    }
    case "resident": {
      const resident = check<ResidentState>(validators.resident);
      if (!resident) return reject("invalid-payload", schemaError(validators.resident.errors));
      if (!sameOrigin(resident) || resident.deviceId !== t.deviceId)
        return reject(
          "topic-mismatch",
          `payload says ${resident.site}/${resident.gateway}/${resident.deviceId}`,
        );
      return { ok: true, msg: { kind: "resident", resident } };
    }
    case "ota": {
      const ota = check<OtaProgress>(validators.ota);
      if (!ota) return reject("invalid-payload", schemaError(validators.ota.errors));
      if (!sameOrigin(ota) || ota.deviceId !== t.deviceId)
        return reject("topic-mismatch", `payload says ${ota.site}/${ota.gateway}/${ota.deviceId}`);
      return { ok: true, msg: { kind: "ota", ota } };
    }
    case "status": {
      const status = check<GatewayStatus>(validators.status);
      if (!status) return reject("invalid-payload", schemaError(validators.status.errors));
      if (!sameOrigin(status))
        return reject("topic-mismatch", `payload says ${status.site}/${status.gateway}`);
      return { ok: true, msg: { kind: "status", status } };
    }
    case "health": {
      const health = check<GatewayHealth>(validators.health);
      if (!health) return reject("invalid-payload", schemaError(validators.health.errors));
      if (!sameOrigin(health))
        return reject("topic-mismatch", `payload says ${health.site}/${health.gateway}`);
      return { ok: true, msg: { kind: "health", health } };
    }
    case "response": {
      const response = check<CommandResponse>(validators.response);
      if (!response) return reject("invalid-payload", schemaError(validators.response.errors));
      return { ok: true, msg: { kind: "response", site: t.site, gateway: t.gateway, response } };
    }
  }
}
