/**
 * The gateway's HTTP server (node:http, no framework): Prometheus metrics,
 * health, the device admin API, live events, and the installer page from
 * gateway/web/ at /ui/. /metrics, /api/health and /ui/ are open; every other
 * /api route needs the install password. Errors are answered as JSON
 * {error, path?, value?} and never crash the server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "../../common/log.js";
import { RegistryError } from "../registry/registry.js";
import { deviceRoutes } from "./api-devices.js";
import { otaRoutes } from "./api-ota.js";
import { HttpStatusError, siteRoutes } from "./api-site.js";
import { InstallAuth } from "./auth.js";
import type { HttpBackend } from "./backend.js";
import { BadRequest } from "./body.js";
import { matchRoute, type Route } from "./router.js";
import { serveStatic } from "./static-files.js";

export interface HttpServerOptions {
  host: string;
  port: number;
}

const REGISTRY_STATUS: Record<RegistryError["code"], number> = {
  "not-found": 404,
  exists: 409,
  invalid: 400,
  state: 409,
};

export class GatewayHttpServer {
  readonly stats = { requests: 0, errors: 0, unauthorized: 0 };
  private server: Server | undefined;
  private readonly routes: Route[];
  private boundPort = 0;

  constructor(
    private readonly opts: HttpServerOptions,
    private readonly backend: HttpBackend,
    private readonly auth: InstallAuth,
    private readonly log: Logger,
  ) {
    this.routes = [...deviceRoutes(backend), ...siteRoutes(backend), ...otaRoutes(backend)];
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err) => this.fail(res, err));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const addr = server.address();
    this.boundPort = typeof addr === "object" && addr ? addr.port : this.opts.port;
    this.log.info("http listening", { host: this.opts.host, port: this.boundPort });
  }

  port(): number {
    return this.boundPort;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests++;
    const url = new URL(req.url ?? "/", "http://gateway");
    const path = url.pathname;
    const method = req.method ?? "GET";
    const b = this.backend;
    if (method === "GET" && path === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(b.metrics(b.clock()));
      return;
    }
    if (method === "GET" && path === "/api/health") return this.json(res, 200, b.health(b.clock()));
    if (method === "GET" && (path === "/" || path === "/ui")) {
      res.writeHead(302, { location: "/ui/" });
      res.end();
      return;
    }
    if (method === "GET" && path.startsWith("/ui/") && b.webRoot) {
      if (serveStatic(b.webRoot, path.slice(4), res)) return;
    }
    if (!path.startsWith("/api/")) return this.json(res, 404, { error: `no route ${path}` });
    const allowToken = path === "/api/events";
    if (!this.auth.verify(InstallAuth.presented(req, url, allowToken))) {
      this.stats.unauthorized++;
      // A Basic challenge makes browsers open their own password dialog, even for fetch():
      // the installer page marks its requests (X-Requested-With) and gets a Bearer challenge.
      const fromPage = req.headers["x-requested-with"] !== undefined;
      res.writeHead(401, {
        "content-type": "application/json",
        "www-authenticate": fromPage
          ? 'Bearer realm="haitang gateway"'
          : 'Basic realm="haitang gateway", charset="UTF-8"',
      });
      res.end(JSON.stringify({ error: "install password required" }));
      return;
    }
    const m = matchRoute(this.routes, method, path);
    if (!("route" in m))
      return this.json(res, m.methodMismatch ? 405 : 404, {
        error: m.methodMismatch ? `${method} not allowed on ${path}` : `no route ${path}`,
      });
    const body = await m.route.handle(req, m.params, url, res);
    if (body !== undefined) this.json(res, m.route.status ?? 200, body);
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    if (res.headersSent) return;
    res.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
    });
    res.end(JSON.stringify(body));
  }

  private fail(res: ServerResponse, err: unknown): void {
    const known = errorAnswer(err);
    if (known) {
      this.json(res, known.status, known.body);
      return;
    }
    this.stats.errors++;
    this.log.error("http handler failed", {
      error: err instanceof Error ? err.message : String(err),
    });
    if (!res.headersSent) this.json(res, 500, { error: "internal error" });
    else res.destroy();
  }
}

function errorAnswer(err: unknown): { status: number; body: Record<string, unknown> } | undefined {
  if (err instanceof BadRequest) {
    const body: Record<string, unknown> = { error: err.message };
    if (err.path !== undefined) body.path = err.path;
    if (err.value !== undefined && err.path !== "key") body.value = err.value;
    return { status: 400, body };
  }
  if (err instanceof RegistryError)
    return { status: REGISTRY_STATUS[err.code], body: { error: err.message } };
  if (err instanceof HttpStatusError)
    return { status: err.status, body: { error: err.message, ...err.details } };
  if (err instanceof URIError) return { status: 400, body: { error: "bad URL encoding" } };
  return undefined;
}
