/**
 * Server-sent events (https://html.spec.whatwg.org/multipage/server-sent-events.html)
 * for the dashboard: each client hears the sites it asked for and may read.
 * A client that cannot keep up (its socket buffer over the limit) is cut off
 * rather than buffered without bound; EventSource reconnects by itself.
 */
import type { ServerResponse } from "node:http";
import type { Logger } from "../../common/log.js";
import type { MetricsRegistry } from "../metrics/registry.js";

interface Client {
  res: ServerResponse;
  sites: Set<string>;
  /** May not read guardian residents' detail (api/resident-access.ts). */
  restricted: boolean;
}

/** What a restricted client gets of an event: the same data, other data, or nothing. */
export type RestrictedCopy = { same: true } | { data: unknown } | { skip: true };

const SAME: RestrictedCopy = { same: true };

const MAX_BUFFERED_BYTES = 1 << 20;

export class SseHub {
  private readonly clients = new Set<Client>();
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly dropped;

  constructor(
    private readonly log: Logger,
    metrics: MetricsRegistry,
    private readonly heartbeatMs = 15_000,
  ) {
    metrics.gaugeFn(
      "haitang_bridge_sse_clients",
      "Connected server-sent-event clients",
      () => this.clients.size,
    );
    this.dropped = metrics.counter(
      "haitang_bridge_sse_dropped_total",
      "SSE clients cut off for falling behind",
    );
  }

  start(): void {
    this.heartbeat = setInterval(() => {
      for (const c of this.clients) c.res.write(": ping\n\n");
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  open(res: ServerResponse, sites: string[], restricted = false): void {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write("retry: 2000\n\n");
    const client: Client = { res, sites: new Set(sites), restricted };
    this.clients.add(client);
    res.on("close", () => this.clients.delete(client));
    this.write(client, "hello", { sites });
  }

  get size(): number {
    return this.clients.size;
  }

  broadcast(site: string, event: string, data: unknown, restricted: RestrictedCopy = SAME): void {
    if (this.clients.size === 0) return;
    let text: string | undefined;
    let other: string | undefined;
    for (const c of this.clients) {
      if (!c.sites.has(site)) continue;
      if (c.restricted && !("same" in restricted)) {
        if ("skip" in restricted) continue;
        other ??= `event: ${event}\ndata: ${JSON.stringify(restricted.data)}\n\n`;
        this.send(c, other);
        continue;
      }
      text ??= `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
      this.send(c, text);
    }
  }

  private write(c: Client, event: string, data: unknown) {
    this.send(c, `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private send(c: Client, text: string) {
    if (c.res.writableLength > MAX_BUFFERED_BYTES) {
      this.dropped.inc();
      this.log.warn("SSE client too slow, closing it");
      this.clients.delete(c);
      c.res.destroy();
      return;
    }
    c.res.write(text);
  }

  stop(): void {
    clearInterval(this.heartbeat);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }
}
