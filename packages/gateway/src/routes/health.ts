/**
 * GET /health — the gateway and, per agent, each replica (healthy or ejected, breaker state,
 * provider): 200 when every agent has a healthy replica, else 503 naming what is missing.
 * GET /health/live — the process answers. GET /health/ready — it can serve (same rule as /health).
 */
import type { FastifyInstance } from "fastify";
import type { GatewayContext } from "../context.js";
import type { AgentHealth } from "../upstream.js";

export function readiness(agents: AgentHealth[]): { ready: boolean; reasons: string[] } {
  const reasons = agents
    .filter((a) => !a.replicas.some((r) => r.healthy && !r.ejected && r.breaker !== "open"))
    .map((a) => `${a.agent}: no healthy replica (${a.replicas.length} known)`);
  return { ready: reasons.length === 0, reasons };
}

const replicaSchema = {
  type: "object",
  properties: {
    endpoint: { type: "string" },
    address: { type: "string" },
    healthy: { type: "boolean" },
    ejected: { type: "boolean" },
    breaker: { type: "string", enum: ["closed", "open", "half_open"] },
    provider: { type: "string" },
    model: { type: "string" },
  },
};

const healthSchema = {
  type: "object",
  properties: {
    status: { type: "string", enum: ["ok", "degraded"] },
    reasons: { type: "array", items: { type: "string" } },
    gateway: {
      type: "object",
      properties: {
        version: { type: "string" },
        uptimeSeconds: { type: "number" },
        pid: { type: "integer" },
      },
    },
    agents: {
      type: "object",
      additionalProperties: {
        type: "object",
        properties: { healthy: { type: "integer" }, replicas: { type: "array", items: replicaSchema } },
      },
    },
  },
};

export async function healthRoutes(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  app.get(
    "/health",
    {
      schema: {
        tags: ["health"],
        summary: "Gateway and replica health",
        response: { 200: healthSchema, 503: healthSchema },
      },
    },
    async (_request, reply) => {
      const agents = ctx.upstream.health();
      const { ready, reasons } = readiness(agents);
      const body = {
        status: ready ? "ok" : "degraded",
        reasons,
        gateway: {
          version: ctx.version,
          uptimeSeconds: (Date.now() - ctx.startedAt) / 1000,
          pid: process.pid,
        },
        agents: Object.fromEntries(
          agents.map((a) => [
            a.agent,
            { healthy: a.replicas.filter((r) => r.healthy && !r.ejected).length, replicas: a.replicas },
          ]),
        ),
      };
      return reply.code(ready ? 200 : 503).send(body);
    },
  );

  app.get(
    "/health/live",
    { schema: { tags: ["health"], summary: "Liveness: the process answers" } },
    async () => ({ status: "ok" }),
  );

  app.get(
    "/health/ready",
    { schema: { tags: ["health"], summary: "Readiness: every agent has a healthy replica" } },
    async (_request, reply) => {
      const { ready, reasons } = readiness(ctx.upstream.health());
      return reply.code(ready ? 200 : 503).send({ status: ready ? "ok" : "degraded", reasons });
    },
  );
}
