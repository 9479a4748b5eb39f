/**
 * The install password guards the admin API: HTTP Basic (any user name) or
 * `Authorization: Bearer <password>`; EventSource cannot set headers, so
 * /api/events also takes `?token=`. The stored form is gw-rules' scrypt hash;
 * checking it costs tens of milliseconds, so a password that verified once is
 * remembered by its SHA-256 (never in clear) for the life of the process.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";

export type PasswordCheck = (password: string) => boolean;

export class InstallAuth {
  private readonly good = new Set<string>();

  constructor(private readonly check: PasswordCheck) {}

  /** The password a request presents, if any. */
  static presented(req: IncomingMessage, url: URL, allowQueryToken: boolean): string | undefined {
    const h = req.headers.authorization;
    if (h?.startsWith("Basic ")) {
      const decoded = Buffer.from(h.slice(6), "base64").toString("utf8");
      const i = decoded.indexOf(":");
      return i >= 0 ? decoded.slice(i + 1) : undefined;
    }
    if (h?.startsWith("Bearer ")) return h.slice(7);
    if (allowQueryToken) return url.searchParams.get("token") ?? undefined;
    return undefined;
  }

  verify(password: string | undefined): boolean {
    if (password === undefined || password === "") return false;
    const digest = createHash("sha256").update(password).digest("hex");
    if (this.good.has(digest)) return true;
    if (!this.check(password)) return false;
    if (this.good.size < 16) this.good.add(digest);
    return true;
  }
}
