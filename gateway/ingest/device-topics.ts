/**
 * MQTT topics of Wi-Fi devices on the gateway's local broker. A device
 * publishes framed bytes (protocol frameBytes output, the same as on serial)
 * and subscribes to `.../down` for signed downlinks. Credentials: username =
 * device id hex, password = mqttPassword(key).
 *
 * Two up topics, so that an alarm never waits behind telemetry in the broker:
 * - `haitang/dev/{deviceIdHex}/event`: smoke events (alarms), charger events
 *   and command acks, the frames whose cloud topic is `dev/{id}/event`;
 * - `haitang/dev/{deviceIdHex}/up`: everything else (status, telemetry,
 *   activity).
 * The gateway reads `event` on a subscription of its own (in external mode a
 * second connection), so a backlog of telemetry queued for it in the broker
 * does not hold an alarm back. A frame is processed the same whichever of the
 * two topics brought it.
 */
import {
  FRAME_ESCAPE,
  FRAME_ESCAPE_XOR,
  FRAME_FLAG,
  TYPE_CHARGER_EVENT,
  TYPE_COMMAND_ACK,
  TYPE_SMOKE_EVENT,
} from "../../protocol/constants.js";
import { deviceIdHex } from "../../protocol/uplink.js";

/** The receiver name of every frame that came over MQTT (embedded broker or external). */
export const MQTT_RECEIVER = "mqtt";

export const DEVICE_UP_FILTER = "haitang/dev/+/up";
export const DEVICE_EVENT_FILTER = "haitang/dev/+/event";

export function deviceUpTopic(deviceId: number): string {
  return `haitang/dev/${deviceIdHex(deviceId)}/up`;
}

export function deviceEventTopic(deviceId: number): string {
  return `haitang/dev/${deviceIdHex(deviceId)}/event`;
}

export function deviceDownTopic(deviceId: number): string {
  return `haitang/dev/${deviceIdHex(deviceId)}/down`;
}

/** Frame types a device publishes on its `event` topic. */
export function isEventFrameType(type: number): boolean {
  return type === TYPE_SMOKE_EVENT || type === TYPE_CHARGER_EVENT || type === TYPE_COMMAND_ACK;
}

/**
 * The message type of framed bytes (the frame's second byte, unescaped), or
 * undefined when they do not start with a frame.
 */
export function framedType(framed: Uint8Array): number | undefined {
  if (framed[0] !== FRAME_FLAG) return undefined;
  let logical = 0;
  for (let i = 1; i < framed.length; i++) {
    let b = framed[i] as number;
    if (b === FRAME_FLAG) return undefined;
    if (b === FRAME_ESCAPE) {
      i++;
      if (i >= framed.length) return undefined;
      b = (framed[i] as number) ^ FRAME_ESCAPE_XOR;
    }
    if (logical === 1) return b;
    logical++;
  }
  return undefined;
}

/** Where a device publishes framed bytes: `event` for events and alarms, else `up`. */
export function deviceTopicForFramed(deviceId: number, framed: Uint8Array): string {
  const type = framedType(framed);
  return type !== undefined && isEventFrameType(type)
    ? deviceEventTopic(deviceId)
    : deviceUpTopic(deviceId);
}

/** The device id hex of an up or event topic, or undefined. */
export function parseUpTopic(topic: string): string | undefined {
  const m = /^haitang\/dev\/([0-9a-f]{8})\/(?:up|event)$/.exec(topic);
  return m ? m[1] : undefined;
}
