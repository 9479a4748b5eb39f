/**
 * The installer's credentials for this browser tab (sessionStorage: gone when
 * the tab closes), and an authenticated fetch that sends them.
 */

const TOKEN_KEY = "haitang.gateway.auth";

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

/** The Authorization header value, or "" when signed out. */
export function token() {
  return sessionStorage.getItem(TOKEN_KEY) ?? "";
}

/**
 * Keeps the password as an HTTP Basic credential (RFC 7617, UTF-8, so any password works).
 * @param {string} password
 */
export function setPassword(password) {
  const bytes = new TextEncoder().encode(`installer:${password}`);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  sessionStorage.setItem(TOKEN_KEY, `Basic ${btoa(bin)}`);
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * The credential, and X-Requested-With so that a refused password is answered without a
 * Basic challenge (which would make the browser open its own login dialog).
 * @returns {Record<string, string>}
 */
export function authHeaders() {
  const tok = token();
  return tok
    ? { Authorization: tok, "X-Requested-With": "haitang-ui" }
    : { "X-Requested-With": "haitang-ui" };
}

/** @type {Set<() => void>} */
const unauthorizedListeners = new Set();

/** Called when the server refuses the password (401): the app goes back to the login page. */
/** @param {() => void} fn */
export function onUnauthorized(fn) {
  unauthorizedListeners.add(fn);
}

export function notifyUnauthorized() {
  for (const fn of unauthorizedListeners) fn();
}

/**
 * Fetches `path` with the token; parses JSON; throws HttpError with the server's message.
 * @param {string} path
 * @param {RequestInit & { json?: unknown }} [init]
 * @returns {Promise<unknown>}
 */
export async function request(path, init = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json", ...authHeaders() };
  /** @type {RequestInit} */
  const opts = { ...init, headers: { ...headers, ...(init.headers ?? {}) } };
  if (init.json !== undefined) {
    opts.body = JSON.stringify(init.json);
    opts.headers = { ...opts.headers, "Content-Type": "application/json" };
  }
  const res = await fetch(path, opts);
  const text = await res.text();
  if (res.status === 401) {
    notifyUnauthorized();
    throw new HttpError(401, "unauthorized");
  }
  if (!res.ok) throw new HttpError(res.status, errorMessage(text) ?? `HTTP ${res.status}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * @param {string} text
 * @returns {string | undefined}
 */
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
