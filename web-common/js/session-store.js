/**
 * A page's credential for this browser tab (sessionStorage: gone when the tab
 * closes), the headers that carry it, and a fetch that sends them, parses JSON
 * and throws HttpError with the server's message. Each page makes its own in
 * its js/session.js (the dashboard a bearer token, the installer page HTTP
 * Basic).
 */

export class HttpError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * @param {{ key: string, headers: (stored: string) => Record<string, string> }} opts
 *   `headers` turns the stored value ("" when signed out) into request headers.
 */
export function createSession(opts) {
  /** @type {Set<() => void>} */
  const unauthorized = new Set();
  const stored = () => sessionStorage.getItem(opts.key) ?? "";
  const headers = () => opts.headers(stored());
  const notifyUnauthorized = () => {
    for (const fn of unauthorized) fn();
  };
  return {
    stored,
    /** @param {string} value */
    store(value) {
      sessionStorage.setItem(opts.key, value);
    },
    clear() {
      sessionStorage.removeItem(opts.key);
    },
    headers,
    /** Called when the server refuses the credential (401): the app goes back to its login. @param {() => void} fn */
    onUnauthorized(fn) {
      unauthorized.add(fn);
    },
    notifyUnauthorized,
    /**
     * @param {string} path
     * @param {RequestInit & { json?: unknown }} [init]
     * @returns {Promise<unknown>}
     */
    async request(path, init = {}) {
      /** @type {RequestInit} */
      const req = {
        ...init,
        headers: { Accept: "application/json", ...headers(), ...(init.headers ?? {}) },
      };
      if (init.json !== undefined) {
        req.body = JSON.stringify(init.json);
        req.headers = { ...req.headers, "Content-Type": "application/json" };
      }
      const res = (await takeEarly(path, init)) ?? (await fetch(path, req));
      const text = await res.text();
      if (res.status === 401) {
        notifyUnauthorized();
        throw new HttpError(401, "unauthorized");
      }
      if (!res.ok) throw new HttpError(res.status, errorMessage(text) ?? `HTTP ${res.status}`);
      return text ? JSON.parse(text) : undefined;
    },
  };
}

/**
 * A GET the page's inline script started while the modules were still loading
 * (`window.haitangEarly`, keyed by path; index.html), taken once. Undefined when there is none
 * or it failed on the network, so the caller fetches as usual.
 * @param {string} path @param {RequestInit & { json?: unknown }} init @returns {Promise<Response | undefined>}
 */
async function takeEarly(path, init) {
  const early = /** @type {{ haitangEarly?: Record<string, Promise<Response>> }} */ (
    /** @type {unknown} */ (globalThis)
  ).haitangEarly;
  const pending = early?.[path];
  if (!pending || (init.method ?? "GET") !== "GET" || init.json !== undefined) return undefined;
  delete early[path];
  return pending.catch(() => undefined);
}

/** @param {string} text @returns {string | undefined} */
function errorMessage(text) {
  try {
    const body = JSON.parse(text);
    if (body && typeof body.error === "string") return body.error;
    if (body && typeof body.message === "string") return body.message;
  } catch {
    // not JSON: fall through
  }
  return text.trim().slice(0, 200) || undefined;
}
