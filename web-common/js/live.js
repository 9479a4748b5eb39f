/**
 * One live connection per tab, shared by every view of a page: views subscribe
 * to event names (or to every event) and unsubscribe when they are left. The
 * stream's URL is the page's own (js/stream-url.js: the dashboard's
 * /api/stream, the installer page's /api/events), and so are its credentials
 * (js/session.js).
 */
import { authHeaders, notifyUnauthorized } from "./session.js";
import { openStream } from "./sse.js";
import { STREAM_URL } from "./stream-url.js";

/** @typedef {import("./sse.js").SseState} SseState */

/** @type {Map<string, Set<(data: unknown) => void>>} */
const byType = new Map();
/** @type {Set<(type: string, data: unknown) => void>} */
const all = new Set();
/** @type {Set<(s: SseState) => void>} */
const stateListeners = new Set();
/** @type {{ close(): void } | undefined} */
let stream;
/** @type {SseState} */
let state = "closed";

export function startLive() {
  if (stream) return;
  stream = openStream({
    url: STREAM_URL,
    headers: authHeaders,
    onUnauthorized: notifyUnauthorized,
    onState: (s) => {
      state = s;
      for (const fn of stateListeners) fn(s);
    },
    onEvent: (e) => {
      const subs = byType.get(e.type);
      if ((!subs || subs.size === 0) && all.size === 0) return;
      let data;
      try {
        data = JSON.parse(e.data);
      } catch {
        return;
      }
      for (const fn of subs ?? []) fn(data);
      for (const fn of all) fn(e.type, data);
    },
  });
}

export function stopLive() {
  stream?.close();
  stream = undefined;
}

export function liveState() {
  return state;
}

/** @param {(s: SseState) => void} fn */
export function onLiveState(fn) {
  stateListeners.add(fn);
  return () => stateListeners.delete(fn);
}

/**
 * @param {string} type event name sent by the server ("alarm", "telemetry", "status", ...)
 * @param {(data: unknown) => void} fn
 * @returns {() => void} unsubscribe
 */
export function subscribe(type, fn) {
  let set = byType.get(type);
  if (!set) {
    set = new Set();
    byType.set(type, set);
  }
  set.add(fn);
  return () => set.delete(fn);
}

/**
 * Every event, whatever its name.
 * @param {(type: string, data: unknown) => void} fn
 * @returns {() => void} unsubscribe
 */
export function subscribeAll(fn) {
  all.add(fn);
  return () => all.delete(fn);
}
