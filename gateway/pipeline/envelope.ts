/**
 * An accepted message as an outbox entry: the UplinkEnvelope of
 * protocol/uplink.ts on the device's telemetry or event topic. The ordering
 * key is the device, so one device's messages reach the cloud in order. seq
 * and historical are filled by the uplink when it publishes.
 */
import { SMOKE_ALARM, SMOKE_TAMPER } from "../../protocol/constants.js";
import type { UplinkMsg } from "../../protocol/messages.js";
import { deviceIdHex, topics, type UplinkEnvelope } from "../../protocol/uplink.js";
import {
  type AcceptedMessage,
  type OutboxItem,
  PRIORITY_ALARM,
  PRIORITY_EVENT,
  PRIORITY_TELEMETRY,
  type Priority,
} from "../types.js";

export interface SiteIdentity {
  site: string;
  gateway: string;
}

export function messagePriority(msg: UplinkMsg): Priority {
  switch (msg.type) {
    case "smoke-event":
      return msg.event === SMOKE_ALARM || msg.event === SMOKE_TAMPER
        ? PRIORITY_ALARM
        : PRIORITY_EVENT;
    case "charger-event":
    case "command-ack":
    case "group-ack":
      return PRIORITY_EVENT;
    default:
      return PRIORITY_TELEMETRY;
  }
}

export function isEventTopic(msg: UplinkMsg): boolean {
  return (
    msg.type === "smoke-event" ||
    msg.type === "charger-event" ||
    msg.type === "command-ack" ||
    msg.type === "group-ack"
  );
}

/** Ordering key of a device's messages in the outbox. */
export function deviceKey(deviceId: number): string {
  return `dev/${deviceIdHex(deviceId)}`;
}

/** The UplinkEnvelope of a message, as an object (what envelopeJson writes). */
export function toEnvelope(m: AcceptedMessage, id: SiteIdentity): UplinkEnvelope<UplinkMsg> {
  const envelope: UplinkEnvelope<UplinkMsg> = {
    v: 1,
    site: id.site,
    gateway: id.gateway,
    deviceId: deviceIdHex(m.deviceId),
    deviceKind: m.deviceKind,
    seq: 0,
    counter: m.counter,
    ts: m.receivedAt,
    historical: false,
    receivers: m.receivers,
    body: m.msg,
  };
  if (m.building !== undefined) envelope.building = m.building;
  if (m.shed !== undefined) envelope.shed = m.shed;
  if (m.location !== undefined) envelope.location = m.location;
  return envelope;
}

/**
 * JSON.stringify(toEnvelope(m, id)), written directly: the fixed fields are
 * concatenated and only the receivers, the body and the placement go through
 * JSON.stringify (no envelope object per frame on the committer's busiest path).
 */
export function envelopeJson(m: AcceptedMessage, id: SiteIdentity): string {
  let s =
    `{"v":1,"site":${JSON.stringify(id.site)},"gateway":${JSON.stringify(id.gateway)}` +
    `,"deviceId":"${deviceIdHex(m.deviceId)}","deviceKind":${JSON.stringify(m.deviceKind)}` +
    `,"seq":0,"counter":${JSON.stringify(m.counter)},"ts":${JSON.stringify(m.receivedAt)}` +
    `,"historical":false,"receivers":${JSON.stringify(m.receivers)},"body":${JSON.stringify(m.msg)}`;
  if (m.building !== undefined) s += `,"building":${JSON.stringify(m.building)}`;
  if (m.shed !== undefined) s += `,"shed":${JSON.stringify(m.shed)}`;
  if (m.location !== undefined) s += `,"location":${JSON.stringify(m.location)}`;
  return `${s}}`;
}

export function toOutboxItem(m: AcceptedMessage, id: SiteIdentity): OutboxItem {
  const dev = deviceIdHex(m.deviceId);
  return {
    priority: messagePriority(m.msg),
    topic: isEventTopic(m.msg)
      ? topics.event(id.site, id.gateway, dev)
      : topics.telemetry(id.site, id.gateway, dev),
    payload: envelopeJson(m, id),
    key: deviceKey(m.deviceId),
    createdAt: m.receivedAt,
  };
}
