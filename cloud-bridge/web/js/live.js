/**
 * One live connection per tab (GET /api/stream), shared by every view: views
 * subscribe to event types and unsubscribe when they are left.
 */
import { authHeaders, notifyUnauthorized } from "./session.js";
import { openStream } from "./sse.js";

/** @typedef {import("./sse.js").SseState} SseState */

/** @type {Map<string, Set<(data: unknown) => void>>} */
const subscribers = new Map();
/** @type {Set<(s: SseState) => void>} */
const stateListeners = new Set();
/** @type {{ close(): void } | undefined} */
let stream;
/** @type {SseState} */
let state = "closed";

export function startLive() {
  if (stream) return;
  stream = openStream({
    url: "/api/stream",
    headers: authHeaders,
    onUnauthorized: notifyUnauthorized,
    onState: (s) => {
      state = s;
      for (const fn of stateListeners) fn(s);
    },
    onEvent: (e) => {
      const subs = subscribers.get(e.type);
      if (!subs || subs.size === 0) return;
      let data;
      try {
        data = JSON.parse(e.data);
      } catch {
        return;
      }
      for (const fn of subs) fn(data);
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
  let set = subscribers.get(type);
  if (!set) {
    set = new Set();
    subscribers.set(type, set);
  }
  set.add(fn);
  return () => set.delete(fn);
}
