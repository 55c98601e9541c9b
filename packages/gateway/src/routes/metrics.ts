/** GET /metrics in the Prometheus text format, and the hooks that measure every request. */
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { GatewayContext } from "../context.js";

/** Not encapsulated: its onResponse hook must see every route of the app. */
export const metricsPlugin = fp(async (app: FastifyInstance, ctx: GatewayContext) => {
  const { metrics } = ctx;
  /** Counts a request once: it may both error and close unfinished. */
  const record = (request: FastifyRequest, status: string, seconds: number): void => {
    if (request.counted === true) return;
    request.counted = true;
    const route = request.routeOptions.url ?? "unmatched";
    if (route === "/metrics") return;
    const labels = [route, request.labels?.agent ?? "", request.labels?.action ?? "", status];
    metrics.requests.inc(labels);
    metrics.requestDuration.observe(labels, seconds);
    if (request.upstreamMs !== undefined) {
      metrics.overhead.observe([route], Math.max(0, seconds - request.upstreamMs / 1000));
    }
  };
  // Callback hooks: an async one costs two promises on every request.
  app.addHook("onResponse", (request, reply, done) => {
    record(request, String(reply.statusCode), reply.elapsedTime / 1000);
    done();
  });
  // A request whose client goes away before its answer ends (a stream cut short, a caller that
  // gave up) never finishes, so onResponse does not run for it: it is counted when its response
  // closes unfinished, as 499 (nginx's "client closed request"), with the time it had run.
  // (Fastify's onRequestAbort does not see it: Node marks a request aborted only while its body
  // is still arriving.) A close listener costs ~0.1 µs a request (once() on an emitter, in a loop).
  app.addHook("onRequest", (request, reply, done) => {
    reply.raw.once("close", () => {
      if (!reply.raw.writableFinished) record(request, "499", reply.elapsedTime / 1000);
    });
    done();
  });

  app.get(
    "/metrics",
    { schema: { tags: ["health"], summary: "Prometheus metrics", hide: false } },
    async (_r, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
});
