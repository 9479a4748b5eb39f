/**
 * Request bodies: JSON with a size limit, and field readers whose errors name
 * the field and the value (the API's 400 answers), like the config loader.
 * Keys are never echoed back in an error.
 */
import type { IncomingMessage } from "node:http";
import type { DeviceKindName } from "../../protocol/uplink.js";
import { parseDeviceId, parseKeyHex } from "../registry/keys.js";

export class BadRequest extends Error {
  constructor(
    message: string,
    readonly path?: string,
    readonly value?: unknown,
  ) {
    super(message);
  }
}

export const MAX_BODY_BYTES = 256 * 1024;

export async function readJson(
  req: IncomingMessage,
  maxBytes = MAX_BODY_BYTES,
): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BadRequest(`body larger than ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  let data: unknown;
  try {
    data = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (e) {
    throw new BadRequest(`body is not JSON: ${(e as Error).message}`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data))
    throw new BadRequest("body must be a JSON object");
  return data as Record<string, unknown>;
}

const KINDS: DeviceKindName[] = ["smoke", "charger", "guardian"];

export class Fields {
  constructor(private readonly body: Record<string, unknown>) {}

  has(name: string): boolean {
    return this.body[name] !== undefined && this.body[name] !== null;
  }

  raw(name: string): unknown {
    return this.body[name];
  }

  deviceId(name: string): number {
    const v = this.body[name];
    const id = parseDeviceId(v);
    if (id === undefined)
      throw new BadRequest(
        `${name}: must be a device id of up to 8 hex digits (got ${JSON.stringify(v)})`,
        name,
        v,
      );
    return id;
  }

  kind(name: string): DeviceKindName {
    const v = this.body[name];
    if (typeof v !== "string" || !KINDS.includes(v as DeviceKindName))
      throw new BadRequest(
        `${name}: must be one of ${KINDS.join(", ")} (got ${JSON.stringify(v)})`,
        name,
        v,
      );
    return v as DeviceKindName;
  }

  optKind(name: string): DeviceKindName | undefined {
    return this.has(name) ? this.kind(name) : undefined;
  }

  /** A 16-byte key as 32 hex digits; the value is not repeated in the error. */
  optKey(name: string): Uint8Array | undefined {
    if (!this.has(name)) return undefined;
    const k = parseKeyHex(this.body[name]);
    if (!k) throw new BadRequest(`${name}: must be 32 hex digits (16 bytes)`, name);
    return k;
  }

  optString(name: string, maxLength = 200): string | undefined {
    if (!this.has(name)) return undefined;
    const v = this.body[name];
    if (typeof v !== "string" || v.length > maxLength)
      throw new BadRequest(
        `${name}: must be a string of at most ${maxLength} characters (got ${JSON.stringify(v)})`,
        name,
        v,
      );
    return v;
  }

  optInt(name: string, min: number, max: number): number | undefined {
    if (!this.has(name)) return undefined;
    const v = this.body[name];
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
      throw new BadRequest(
        `${name}: must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`,
        name,
        v,
      );
    return v;
  }

  /** One of `allowed` (strings), or undefined when absent. */
  optOneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    if (!this.has(name)) return undefined;
    const v = this.body[name];
    if (typeof v !== "string" || !(allowed as readonly string[]).includes(v))
      throw new BadRequest(
        `${name}: must be one of ${allowed.join(", ")} (got ${JSON.stringify(v)})`,
        name,
        v,
      );
    return v as T;
  }

  optBool(name: string): boolean | undefined {
    if (!this.has(name)) return undefined;
    const v = this.body[name];
    if (typeof v !== "boolean")
      throw new BadRequest(`${name}: must be true or false (got ${JSON.stringify(v)})`, name, v);
    return v;
  }
}
