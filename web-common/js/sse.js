/**
 * Server-sent events read through fetch(), so the bearer token goes in the
 * Authorization header (EventSource cannot send headers, and a token in a URL
 * ends up in logs). Reconnects with back-off and resumes with Last-Event-ID.
 * Parsing follows the WHATWG HTML "event stream interpretation" rules.
 */

/** @typedef {{ type: string, data: string, id: string }} SseEvent */
/** @typedef {"connecting" | "open" | "closed"} SseState */

/**
 * A push parser for text/event-stream. Returns push(chunk) and calls onEvent per dispatched event.
 * @param {(e: SseEvent) => void} onEvent
 */
export function createSseParser(onEvent) {
  let buffer = "";
  let type = "";
  /** @type {string[]} */
  let data = [];
  let lastId = "";
  /** @param {string} line */
  const line = (line) => {
    if (line === "") {
      if (data.length > 0) onEvent({ type: type || "message", data: data.join("\n"), id: lastId });
      type = "";
      data = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") type = value;
    else if (field === "data") data.push(value);
    else if (field === "id" && !value.includes("\0")) lastId = value;
  };
  return {
    /** @param {string} chunk */
    push(chunk) {
      buffer += chunk;
      for (;;) {
        const m = /\r\n|\r|\n/.exec(buffer);
        if (!m) break;
        // A lone \r at the end may be the first half of \r\n: wait for more.
        if (m[0] === "\r" && m.index === buffer.length - 1) break;
        line(buffer.slice(0, m.index));
        buffer = buffer.slice(m.index + m[0].length);
      }
    },
    lastId: () => lastId,
  };
}

/**
 * Opens a stream and keeps it open until close() is called.
 * @param {{
 *   url: string,
 *   headers: () => Record<string, string>,
 *   onEvent: (e: SseEvent) => void,
 *   onState?: (s: SseState) => void,
 *   onUnauthorized?: () => void,
 * }} opts
 */
export function openStream(opts) {
  let closed = false;
  let attempt = 0;
  let lastId = "";
  /** @type {AbortController | undefined} */
  let abort;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let retryTimer;

  const connect = async () => {
    opts.onState?.("connecting");
    abort = new AbortController();
    try {
      /** @type {Record<string, string>} */
      const headers = { Accept: "text/event-stream", ...opts.headers() };
      if (lastId) headers["Last-Event-ID"] = lastId;
      const res = await fetch(opts.url, { headers, signal: abort.signal, cache: "no-store" });
      if (res.status === 401 || res.status === 403) {
        opts.onUnauthorized?.();
        closed = true;
        opts.onState?.("closed");
        return;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      attempt = 0;
      opts.onState?.("open");
      const parser = createSseParser((e) => {
        lastId = e.id;
        opts.onEvent(e);
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
      }
    } catch {
      // network error or abort: retry below unless closed
    }
    if (closed) return;
    opts.onState?.("connecting");
    attempt += 1;
    const delayMs = Math.min(10_000, 250 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
    retryTimer = setTimeout(connect, delayMs);
  };
  void connect();
  return {
    close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      abort?.abort();
      opts.onState?.("closed");
    },
  };
}
