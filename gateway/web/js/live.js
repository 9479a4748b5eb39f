/**
 * One live connection per tab (GET /api/events), shared by the views: they
 * subscribe to event names and unsubscribe when they are left.
 */
import { authHeaders, notifyUnauthorized } from "./session.js";
import { openStream } from "./sse.js";

/** @typedef {import("./sse.js").SseState} SseState */

/** @type {Set<(type: string, data: unknown) => void>} */
const subscribers = new Set();
/** @type {Set<(s: SseState) => void>} */
const stateListeners = new Set();
/** @type {{ close(): void } | undefined} */
let stream;
/** @type {SseState} */
let state = "closed";

export function startLive() {
  if (stream) return;
  stream = openStream({
    url: "/api/events",
    headers: authHeaders,
    onUnauthorized: notifyUnauthorized,
    onState: (s) => {
      state = s;
      for (const fn of stateListeners) fn(s);
    },
    onEvent: (e) => {
      let data;
      try {
        data = JSON.parse(e.data);
      } catch {
        return;
      }
      for (const fn of subscribers) fn(e.type, data);
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
 * Every event, whatever its name.
 * @param {(type: string, data: unknown) => void} fn
 * @returns {() => void} unsubscribe
 */
export function subscribeAll(fn) {
  subscribers.add(fn);
  return () => subscribers.delete(fn);
}
