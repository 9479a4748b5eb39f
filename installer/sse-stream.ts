/**
 * A minimal server-sent events reader (HTML Living Standard, "Server-sent
 * events": fields `event:` and `data:`, events end at a blank line, lines
 * starting with `:` are comments) over fetch's streamed body.
 */

export interface SseEvent {
  event: string;
  data: string;
}

/** Splits a text stream into events; feed chunks, get whole events back. */
export class SseParser {
  private buffer = "";

  push(chunk: string): SseEvent[] {
    this.buffer += chunk.replace(/\r\n?/g, "\n");
    const out: SseEvent[] = [];
    for (;;) {
      const end = this.buffer.indexOf("\n\n");
      if (end < 0) break;
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
      }
      if (data.length > 0) out.push({ event, data: data.join("\n") });
    }
    return out;
  }
}

export interface SseSubscription {
  /** Resolves once the server has answered (the stream is open). */
  ready: Promise<void>;
  close(): void;
}

/** Opens `url` as an event stream and calls `onEvent` for each event until closed. */
export function subscribeSse(
  url: string,
  headers: Record<string, string>,
  onEvent: (e: SseEvent) => void,
  onEnd: (err?: Error) => void,
): SseSubscription {
  const abort = new AbortController();
  let closed = false;
  const ready = (async () => {
    const res = await fetch(url, {
      headers: { accept: "text/event-stream", ...headers },
      signal: abort.signal,
    });
    if (!res.ok || !res.body) {
      throw new Error(`event stream ${url} answered ${res.status}`);
    }
    const body = res.body;
    void (async () => {
      const parser = new SseParser();
      const decoder = new TextDecoder();
      try {
        for await (const chunk of body) {
          for (const e of parser.push(decoder.decode(chunk as Uint8Array, { stream: true }))) {
            onEvent(e);
          }
        }
        if (!closed) onEnd();
      } catch (err) {
        if (!closed) onEnd(err as Error);
      }
    })();
  })();
  ready.catch(() => {});
  return {
    ready,
    close: () => {
      closed = true;
      abort.abort();
    },
  };
}
