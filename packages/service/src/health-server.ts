/**
 * The service's small HTTP server on its metrics port: `GET /health` (200 while serving, 503
 * otherwise, with a JSON body) and `GET /metrics` (Prometheus text format).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { AgentService } from "./agent-service.js";
import type { ServiceMetrics } from "./metrics.js";

export interface HealthServer {
  /** Binds `host:port` (0 picks a free port); resolves to the bound port. */
  listen(port: number, host: string): Promise<number>;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

export function createHealthServer(service: AgentService, metrics: ServiceMetrics): HealthServer {
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { error: { code: "INTERNAL", message: "Internal error." } });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      send(res, 405, { error: { code: "UNIMPLEMENTED", message: "Use GET." } });
      return;
    }
    if (path === "/health") {
      const status = service.health();
      const d = service.describe();
      send(res, status === "SERVING" ? 200 : 503, {
        status,
        agent: d.agent,
        replica: d.replica,
        provider: d.provider,
        model: d.model,
        isolation: d.isolation,
        inFlight: service.inFlight,
      });
    } else if (path === "/metrics") {
      const body = await metrics.registry.metrics();
      res.writeHead(200, { "content-type": metrics.registry.contentType });
      res.end(req.method === "HEAD" ? undefined : body);
    } else {
      send(res, 404, { error: { code: "NOT_FOUND", message: `No route ${path}; try /health or /metrics.` } });
    }
  }

  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(`${JSON.stringify(body)}\n`);
}
