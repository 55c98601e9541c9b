/**
 * The gateway's Fastify app, built from encapsulated plugins. Order matters in two places:
 * errors and security are registered first (they apply to every route), and the OpenAPI plugin
 * before the routes (it records each route as it is added).
 */
import { newRequestId } from "@synapse/core";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { GatewayContext } from "./context.js";
import { errorsPlugin } from "./plugins/errors.js";
import { securityPlugin } from "./plugins/security.js";
import { tracingPlugin } from "./plugins/tracing.js";
import { requestLoggerFactory } from "./request-logger.js";
import { agentRoutes } from "./routes/agents.js";
import { docsRoutes, openApiPlugin } from "./routes/docs.js";
import { healthRoutes } from "./routes/health.js";
import { metricsPlugin } from "./routes/metrics.js";
import { openAiRoutes } from "./routes/openai.js";
import { workflowRoutes } from "./routes/workflow.js";

export async function buildGateway(ctx: GatewayContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    // One access line per request would double the log volume; errors are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: requestLoggerFactory,
    bodyLimit: ctx.config.gateway.bodyLimitBytes,
    requestIdHeader: "x-request-id",
    genReqId: () => newRequestId(),
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: "array", allErrors: true } },
  });
  // Set as the request arrives rather than in an onSend hook: a route with no onSend hook skips
  // Fastify's whole onSend step, and a callback hook costs no promise (async hooks cost two).
  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    done();
  });

  await app.register(tracingPlugin, ctx);
  await app.register(errorsPlugin);
  await app.register(securityPlugin, ctx);
  await app.register(openApiPlugin, ctx);
  await app.register(metricsPlugin, ctx);
  await app.register(healthRoutes, ctx);
  await app.register(agentRoutes, ctx);
  await app.register(openAiRoutes, ctx);
  await app.register(workflowRoutes, ctx);
  await app.register(docsRoutes);
  return app;
}
