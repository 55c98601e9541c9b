/** The OpenAPI document at /openapi.json, generated from the route schemas, and the docs page at /docs. */
import swagger from "@fastify/swagger";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { GatewayContext } from "../context.js";
import { docsUiRoutes } from "./docs-ui.js";

/** Registered before the routes, so @fastify/swagger sees each one as it is added. */
export const openApiPlugin = fp(async (app: FastifyInstance, ctx: GatewayContext) => {
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "Synapse gateway",
        version: ctx.version,
        description:
          "One API in front of the claude (plan, code), gemini (analyze, review) and codex (execute) agents. " +
          'Every action answers JSON, or Server-Sent Events with `Accept: text/event-stream` or `"stream": true`; ' +
          "reconnect with `Last-Event-ID` to resume. OpenAI-compatible under /v1.",
      },
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer", description: "Required when API keys are configured." },
        },
      },
      security: [{ bearer: [] }],
    },
  });
});

export async function docsRoutes(app: FastifyInstance): Promise<void> {
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  // The page's plugin (Swagger UI) loads on its first request.
  docsUiRoutes(app);
}
