/**
 * The fleet HTTP API on node:http: bearer-token auth, per-site access,
 * JSON errors; /metrics and /healthz; the dashboard's static files.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ACK_PATH, guardianAck } from "../guardian/ack-route.js";
import { TokenAuth } from "./auth.js";
import type { ApiContext } from "./context.js";
import { HttpError, sendJson } from "./http-util.js";
import { routes } from "./routes.js";
import { serveStatic } from "./static-files.js";
import { publicReport } from "./work-order-routes.js";

export class ApiServer {
  private server: Server | undefined;
  private readonly requests;

  constructor(private readonly ctx: ApiContext) {
    this.requests = ctx.metrics.counter(
      "haitang_bridge_http_requests_total",
      "HTTP requests by method and status",
    );
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  start(): Promise<number> {
    const server = createServer((req, res) => {
      res.on("finish", () =>
        this.requests.inc({ method: req.method ?? "?", status: String(res.statusCode) }),
      );
      this.handle(req, res).catch((err: unknown) => this.fail(res, err));
    });
    this.server = server;
    const { host, port } = this.ctx.config.http;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve(this.port);
      });
    });
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private fail(res: ServerResponse, err: unknown) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof HttpError) {
      sendJson(res, err.status, { error: err.message });
      return;
    }
    this.ctx.log.error("request failed", {
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
    sendJson(res, 500, { error: "internal error" });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://bridge.invalid");
    const path = url.pathname;
    if (path === "/metrics") {
      const want = this.ctx.config.http.metricsToken;
      if (want && TokenAuth.tokenOf(req, url) !== want) throw new HttpError(401, "unauthorized");
      const text = this.ctx.metrics.render();
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(text);
      return;
    }
    if (path === "/healthz") {
      const h = this.ctx.health();
      sendJson(res, h.ok ? 200 : 503, h);
      return;
    }
    // A guardian chain's acknowledgement link: its signed token instead of a login.
    if (path === ACK_PATH) {
      await guardianAck(this.ctx, req, res, url);
      return;
    }
    // Residents' reports: the site link's key instead of a token.
    if (path.startsWith("/api/public/")) {
      if (await publicReport(this.ctx, req, res, url)) return;
      throw new HttpError(404, "not found");
    }
    if (path.startsWith("/api/")) {
      await this.api(req, res, url);
      return;
    }
    const root = this.ctx.config.http.webRoot;
    if (
      root &&
      (req.method === "GET" || req.method === "HEAD") &&
      (await serveStatic(root, req, res, path))
    )
      return;
    throw new HttpError(404, "not found");
  }

  private async api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const who = this.ctx.auth.identify(TokenAuth.tokenOf(req, url));
    if (!who) {
      res.setHeader("www-authenticate", 'Bearer realm="haitang"');
      throw new HttpError(401, "unauthorized");
    }
    let pathMatched = false;
    for (const route of routes) {
      const m = route.pattern.exec(url.pathname);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== req.method) continue;
      const params = { ...(m.groups ?? {}) };
      if (params.site !== undefined) {
        // Refuse before revealing whether the site exists.
        if (!TokenAuth.canReadSite(who, params.site)) throw new HttpError(403, "forbidden");
        if (!this.ctx.config.sites[params.site]) throw new HttpError(404, "not found");
      }
      if (!TokenAuth.hasRole(who, route.role)) throw new HttpError(403, "forbidden");
      await route.handler({ ctx: this.ctx, req, res, url, params, who });
      return;
    }
    throw new HttpError(pathMatched ? 405 : 404, pathMatched ? "method not allowed" : "not found");
  }
}
