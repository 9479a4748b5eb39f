/**
 * The installer's credentials for this browser tab (sessionStorage: gone when
 * the tab closes), sent as HTTP Basic. The shared part (storage, request,
 * errors) is web-common/js/session-store.js.
 */
import { createSession, HttpError } from "./session-store.js";

export { HttpError };

/**
 * The credential, and X-Requested-With so that a refused password is answered without a
 * Basic challenge (which would make the browser open its own login dialog).
 */
const session = createSession({
  key: "haitang.gateway.auth",
  headers: (auth) =>
    auth
      ? { Authorization: auth, "X-Requested-With": "haitang-ui" }
      : { "X-Requested-With": "haitang-ui" },
});

/** The Authorization header value, or "" when signed out. */
export const token = session.stored;
export const clearToken = session.clear;
export const authHeaders = session.headers;
export const onUnauthorized = session.onUnauthorized;
export const notifyUnauthorized = session.notifyUnauthorized;
export const request = session.request;

/**
 * Keeps the password as an HTTP Basic credential (RFC 7617, UTF-8, so any password works).
 * @param {string} password
 */
export function setPassword(password) {
  const bytes = new TextEncoder().encode(`installer:${password}`);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  session.store(`Basic ${btoa(bin)}`);
}
