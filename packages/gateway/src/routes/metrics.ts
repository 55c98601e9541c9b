/** GET /metrics in the Prometheus text format, and the hooks that measure every request. */
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { GatewayContext } from "../context.js";

/** Not encapsulated: its onResponse hook must see every route of the app. */
export const metricsPlugin = fp(async (app: FastifyInstance, ctx: GatewayContext) => {
  const { metrics } = ctx;
  // A callback hook: an async one costs two promises on every request.
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unmatched";
    if (route === "/metrics") {
      done();
      return;
    }
    const labels = [
      route,
      request.labels?.agent ?? "",
      request.labels?.action ?? "",
      String(reply.statusCode),
    ];
    const seconds = reply.elapsedTime / 1000;
    metrics.requests.inc(labels);
    metrics.requestDuration.observe(labels, seconds);
    if (request.upstreamMs !== undefined) {
      metrics.overhead.observe([route], Math.max(0, seconds - request.upstreamMs / 1000));
    }
    done();
  });

  app.get(
    "/metrics",
    { schema: { tags: ["health"], summary: "Prometheus metrics", hide: false } },
    async (_r, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
});
