/**
 * The fleet API token of this browser tab (sessionStorage: gone when the tab
 * closes), sent as a bearer token. The shared part (storage, request, errors)
 * is web-common/js/session-store.js.
 */
import { createSession, HttpError } from "./session-store.js";

export { HttpError };

const session = createSession({
  key: "haitang.token",
  headers: (tok) => (tok ? { Authorization: `Bearer ${tok}` } : {}),
});

export const token = session.stored;
export const setToken = session.store;
export const clearToken = session.clear;
export const authHeaders = session.headers;
export const onUnauthorized = session.onUnauthorized;
export const notifyUnauthorized = session.notifyUnauthorized;
export const request = session.request;
