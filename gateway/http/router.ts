/** A minimal router: method + path pattern with `:name` segments. */
import type { IncomingMessage, ServerResponse } from "node:http";

export interface Route {
  method: string;
  path: string;
  /** Status of a successful answer (default 200). */
  status?: number;
  /** Returns the JSON body, or undefined when it wrote the response itself. */
  handle(
    req: IncomingMessage,
    params: Record<string, string>,
    url: URL,
    res: ServerResponse,
  ): Promise<unknown>;
}

export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | { methodMismatch: boolean } {
  const segs = path.split("/").filter(Boolean);
  let mismatch = false;
  for (const r of routes) {
    const rs = r.path.split("/").filter(Boolean);
    if (rs.length !== segs.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < rs.length; i++) {
      const want = rs[i]!;
      const got = segs[i]!;
      if (want.startsWith(":")) params[want.slice(1)] = decodeURIComponent(got);
      else if (want !== got) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    if (r.method !== method) {
      mismatch = true;
      continue;
    }
    return { route: r, params };
  }
  return { methodMismatch: mismatch };
}
