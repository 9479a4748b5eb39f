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
  ResidentStateSchema,
} from "../../protocol/uplink-schemas.js";

export type Decoded =
  | { kind: "device"; topicKind: "telemetry" | "event"; envelope: UplinkEnvelope }
  /**
   * A body type this bridge does not know (a newer gateway or firmware): kept
   * (stored as an `uplink` point with its type) and counted, never rejected.
   */
  | { kind: "unknown-body"; topicKind: "telemetry" | "event"; envelope: AnyUplinkEnvelope }
  | { kind: "alarm"; alarm: AlarmTransition }
  /** A guardian resident's welfare state: states and times only. */
  | { kind: "resident"; resident: ResidentState }
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
  alarm: ajv.compile(AlarmTransitionSchema),
  status: ajv.compile(GatewayStatusSchema),
  health: ajv.compile(GatewayHealthSchema),
  response: ajv.compile(CommandResponseSchema),
  resident: ajv.compile(ResidentStateSchema),
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
    case "event": {
      const env = check<AnyUplinkEnvelope>(validators.envelope);
      if (!env) return reject("invalid-payload", schemaError(validators.envelope.errors));
      if (!sameOrigin(env) || env.deviceId !== t.deviceId) {
        return reject("topic-mismatch", `payload says ${env.site}/${env.gateway}/${env.deviceId}`);
      }
      const type = env.body.type;
      const bodyCheck = bodyValidators.get(type);
      if (!bodyCheck) {
        return { ok: true, msg: { kind: "unknown-body", topicKind: t.kind, envelope: env } };
      }
      if (!bodyCheck(env.body))
        return reject("invalid-payload", schemaError(bodyCheck.errors, "/body"));
      if (BODY_TOPIC[type as UplinkBodyType] !== t.kind)
        return reject("topic-mismatch", `${type} on a ${t.kind} topic`);
      const kind = BODY_DEVICE_KIND[type as UplinkBodyType];
      if (kind && kind !== env.deviceKind) {
        return reject("topic-mismatch", `${type} from a ${env.deviceKind} device`);
      }
      const envelope = env as UplinkEnvelope;
      return { ok: true, msg: { kind: "device", topicKind: t.kind, envelope } };
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
