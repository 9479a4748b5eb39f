/**
 * The fleet API token of this browser tab (sessionStorage: gone when the tab closes),
 * and an authenticated fetch that sends it as a bearer token.
 */

const TOKEN_KEY = "haitang.token";

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

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) ?? "";
}

/** @param {string} value */
export function setToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** @returns {Record<string, string>} */
export function authHeaders() {
  const tok = token();
  return tok ? { Authorization: `Bearer ${tok}` } : {};
}

/** @type {Set<() => void>} */
const unauthorizedListeners = new Set();

/** Called when the server refuses the token (401): the app goes back to the login page. */
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
