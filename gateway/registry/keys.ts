/**
 * Device keys: 16 bytes, written as 32 hex digits. Keys are never logged or
 * returned by the API except once, when the gateway generates one.
 */
import { createHmac, randomBytes } from "node:crypto";
import { KEY_LENGTH, MAC_LENGTH, MIN_FRAME_LENGTH } from "../../protocol/constants.js";

export function parseKeyHex(hex: unknown): Uint8Array | undefined {
  if (typeof hex !== "string" || !/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  return new Uint8Array(Buffer.from(hex, "hex"));
}

export function keyToHex(key: Uint8Array): string {
  return Buffer.from(key).toString("hex");
}

export function generateKey(): Uint8Array {
  return new Uint8Array(randomBytes(KEY_LENGTH));
}

/** The MQTT password of a Wi-Fi device: hex HMAC-SHA256(key, "mqtt"). The firmware derives the same. */
export function mqttPassword(key: Uint8Array): string {
  return createHmac("sha256", key).update("mqtt").digest("hex");
}

/** Node's HMAC-SHA256, the fast HmacFn for the protocol codec. */
export function nodeHmac(key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac("sha256", key).update(data).digest());
}

/**
 * protocol's verifyFrame on node:crypto, without the intermediate copies (the
 * per-frame hot path): the truncated HMAC-SHA256 of header and payload under
 * `key` against the frame's trailing MAC, compared in constant time.
 */
export function nodeVerifyFrame(bytes: Uint8Array, key: Uint8Array): boolean {
  if (bytes.length < MIN_FRAME_LENGTH) return false;
  const signed = bytes.length - MAC_LENGTH;
  const mac = createHmac("sha256", key).update(bytes.subarray(0, signed)).digest();
  let diff = 0;
  for (let i = 0; i < MAC_LENGTH; i++) diff |= (mac[i] as number) ^ (bytes[signed + i] as number);
  return diff === 0;
}

/** Parses "0000abcd" / "abcd" / "0xabcd" / a decimal-free hex id to a uint32. */
export function parseDeviceId(text: unknown): number | undefined {
  if (typeof text === "number")
    return Number.isInteger(text) && text >= 0 && text <= 0xffffffff ? text : undefined;
  if (typeof text !== "string") return undefined;
  const t = text.toLowerCase().replace(/^0x/, "");
  if (!/^[0-9a-f]{1,8}$/.test(t)) return undefined;
  return Number.parseInt(t, 16) >>> 0;
}
