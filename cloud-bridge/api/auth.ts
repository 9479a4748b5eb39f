/**
 * Bearer tokens from the config: each names its sites and a role. Tokens are
 * compared by SHA-256 digest in constant time.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Role, TokenConfig } from "../config/types.js";

export interface Principal {
  name: string;
  role: Role;
  /** undefined = every site. */
  sites: Set<string> | undefined;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

export class TokenAuth {
  private readonly tokens: Array<{ hash: Buffer; principal: Principal }>;

  constructor(tokens: TokenConfig[]) {
    this.tokens = tokens.map((t) => ({
      hash: digest(t.token),
      principal: {
        name: t.name,
        role: t.role,
        sites: t.sites.includes("*") ? undefined : new Set(t.sites),
      },
    }));
  }

  /** The token from `Authorization: Bearer` or, for EventSource, `?access_token=`. */
  static tokenOf(req: IncomingMessage, url: URL): string | undefined {
    const h = req.headers.authorization;
    if (h?.startsWith("Bearer ")) return h.slice(7).trim();
    return url.searchParams.get("access_token") ?? undefined;
  }

  identify(token: string | undefined): Principal | undefined {
    if (!token) return undefined;
    const h = digest(token);
    let found: Principal | undefined;
    for (const t of this.tokens) if (timingSafeEqual(t.hash, h)) found = t.principal;
    return found;
  }

  /** Compares two secrets in constant time (by digest, so lengths may differ). */
  static sameSecret(a: string, b: string): boolean {
    return timingSafeEqual(digest(a), digest(b));
  }

  static canReadSite(p: Principal, site: string): boolean {
    return p.sites === undefined || p.sites.has(site);
  }

  static hasRole(p: Principal, role: Role): boolean {
    return RANK[p.role] >= RANK[role];
  }

  static sitesOf(p: Principal, all: string[]): string[] {
    return all.filter((s) => TokenAuth.canReadSite(p, s));
  }
}
