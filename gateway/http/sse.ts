/**
 * Server-sent events (HTML Living Standard, "Server-sent events") for the
 * installer page and the flash tool: accepted messages, alarm transitions,
 * device changes. A client that cannot keep up (its socket buffer passes the
 * limit) is cut off and counted, so one slow browser never grows memory.
 */
import type { ServerResponse } from "node:http";

export interface SseStats {
  clients: number;
  sent: number;
  cutOff: number;
}

const MAX_BUFFERED_BYTES = 1 << 20;

export class SseHub {
  readonly stats: SseStats = { clients: 0, sent: 0, cutOff: 0 };
  private readonly clients = new Set<ServerResponse>();
  private nextId = 1;
  private heartbeat: ReturnType<typeof setInterval> | undefined;

  start(heartbeatMs = 15_000): void {
    this.heartbeat = setInterval(() => {
      for (const c of this.clients) c.write(": keep-alive\n\n");
    }, heartbeatMs);
    this.heartbeat.unref();
  }

  stop(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    for (const c of this.clients) c.end();
    this.clients.clear();
    this.stats.clients = 0;
  }

  attach(res: ServerResponse): void {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write("retry: 2000\n\n");
    this.clients.add(res);
    this.stats.clients = this.clients.size;
    res.on("close", () => {
      this.clients.delete(res);
      this.stats.clients = this.clients.size;
    });
  }

  hasClients(): boolean {
    return this.clients.size > 0;
  }

  publish(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    const text = `id: ${this.nextId++}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of this.clients) {
      if (c.writableLength > MAX_BUFFERED_BYTES) {
        this.stats.cutOff++;
        this.clients.delete(c);
        c.destroy();
        continue;
      }
      c.write(text);
      this.stats.sent++;
    }
    this.stats.clients = this.clients.size;
  }
}
