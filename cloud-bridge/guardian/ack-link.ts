/**
 * The acknowledgement link in a chain notification: whoever was told taps it
 * to say "I am on it". The link carries the site, the alarm, the step and who
 * was told, signed with HMAC-SHA256 (guardian.ackSecret), so it needs no
 * login and cannot be forged for another alarm or person.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export interface AckClaim {
  site: string;
  alarmId: string;
  step: number;
  /** Who was told (the webhook's name), recorded as who answered. */
  who: string;
}

function mac(secret: string, payload: string): Buffer {
  return createHmac("sha256", secret).update(payload).digest();
}

export function signAck(secret: string, c: AckClaim): string {
  const payload = Buffer.from(JSON.stringify([c.site, c.alarmId, c.step, c.who])).toString(
    "base64url",
  );
  return `${payload}.${mac(secret, payload).toString("base64url")}`;
}

/** The claim of a genuine token, or undefined (bad shape or signature). */
export function verifyAck(secret: string, token: string): AckClaim | undefined {
  const dot = token.indexOf(".");
  if (dot <= 0) return undefined;
  const payload = token.slice(0, dot);
  const got = Buffer.from(token.slice(dot + 1), "base64url");
  const want = mac(secret, payload);
  if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
  try {
    const v = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as unknown;
    if (!Array.isArray(v) || v.length !== 4) return undefined;
    const [site, alarmId, step, who] = v as unknown[];
    if (typeof site !== "string" || typeof alarmId !== "string") return undefined;
    if (typeof step !== "number" || typeof who !== "string") return undefined;
    return { site, alarmId, step, who };
  } catch {
    return undefined;
  }
}

export function ackUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/guardian/ack?t=${encodeURIComponent(token)}`;
}
