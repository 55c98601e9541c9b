/**
 * One SERVER span per API request ("POST /api/v1/claude/plan"), continuing the caller's W3C
 * `traceparent` when it sends one. The route handler runs with the span active, so the upstream
 * attempts it makes (traceAttempts) are its children and carry the trace to the services.
 * Health probes and metric scrapes are not traced: they would drown the traces that matter.
 * Registered only when tracing is on.
 */
import { SynapseError, type TraceSpan } from "@synapse/core";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { GatewayContext } from "../context.js";
import { toSynapseError } from "./errors.js";

const UNTRACED = new Set(["/metrics", "/health", "/health/live", "/health/ready"]);

/** Not encapsulated: its hooks must see every route of the app. */
export const tracingPlugin = fp(async (app: FastifyInstance, ctx: GatewayContext) => {
  const { tracing } = ctx;
  if (tracing === undefined || !tracing.enabled) return;
  const spans = new WeakMap<FastifyRequest, TraceSpan>();
  const errors = new WeakMap<FastifyRequest, unknown>();

  app.addHook("onRequest", (request, reply, done) => {
    const route = request.routeOptions.url;
    if (route === undefined || UNTRACED.has(route)) return done();
    const span = tracing.startSpan(`${request.method} ${route}`, {
      kind: "server",
      carrier: request.headers,
      attributes: {
        "http.request.method": request.method,
        "http.route": route,
        "url.path": request.url.split("?")[0] ?? "",
        "synapse.request_id": request.id,
      },
    });
    spans.set(request, span);
    // The response's close covers every ending: a normal reply, a hijacked SSE stream, a client gone.
    reply.raw.once("close", () => {
      const status = reply.raw.statusCode;
      span.setAttributes({ "http.response.status_code": status });
      if (!reply.raw.writableFinished) {
        span.end(new SynapseError("CANCELLED", "The client went away."));
      } else if (status >= 500) {
        span.end(errors.get(request) ?? new SynapseError("UNKNOWN", `HTTP ${status}`));
      } else {
        span.end();
      }
    });
    done();
  });

  // The body is parsed by now; what runs from here (the handler) runs inside the span.
  app.addHook("preHandler", (request, _reply, done) => {
    const span = spans.get(request);
    if (span === undefined) done();
    else span.run(() => done());
  });

  app.addHook("onError", (request, _reply, error, done) => {
    errors.set(request, toSynapseError(error));
    done();
  });
});
