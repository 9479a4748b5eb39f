/**
 * MQTT topics of Wi-Fi devices on the gateway's local broker. A device
 * publishes framed bytes (protocol frameBytes output, the same as on serial)
 * to `haitang/dev/{deviceIdHex}/up` and subscribes to `.../down` for signed
 * downlinks. Credentials: username = device id hex, password = mqttPassword(key).
 */
import { deviceIdHex } from "../../protocol/uplink.js";

export const DEVICE_UP_FILTER = "haitang/dev/+/up";

export function deviceUpTopic(deviceId: number): string {
  return `haitang/dev/${deviceIdHex(deviceId)}/up`;
}

export function deviceDownTopic(deviceId: number): string {
  return `haitang/dev/${deviceIdHex(deviceId)}/down`;
}

/** The device id hex of an up topic, or undefined. */
export function parseUpTopic(topic: string): string | undefined {
  const m = /^haitang\/dev\/([0-9a-f]{8})\/up$/.exec(topic);
  return m ? m[1] : undefined;
}
