/**
 * The docs page (Swagger UI) at /docs, built on its first request. Its plugin brings
 * @fastify/static, glob, send and mime with it and registers a route per asset: about 1.2 MiB of
 * an idle gateway's live heap (24.1 → 22.9 MiB after a full GC), for a page most gateways never
 * serve. Plugins cannot be added to an app that is already listening, so the page lives in a small
 * Fastify app of its own, created when /docs is first asked for, and the gateway answers /docs
 * requests by injecting them into it: they still pass the gateway's own hooks (request id, CORS,
 * rate limits), as before. If the package cannot be loaded, /docs answers FAILED_PRECONDITION
 * naming it, and the next request tries again.
 */
import swagger, { type StaticDocumentSpec } from "@fastify/swagger";
import { importFeature } from "@synapse/core";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";

/** Where the page is served. */
export const DOCS_PREFIX = "/docs";

// Hop-by-hop headers and those the gateway's own reply sets for the payload it sends.
const NOT_FORWARDED = new Set(["connection", "keep-alive", "transfer-encoding", "date", "content-length"]);

/** The /docs routes of `app`, showing its OpenAPI document (@fastify/swagger must be registered on it). */
export function docsUiRoutes(app: FastifyInstance): void {
  let ui: Promise<FastifyInstance> | undefined;
  const load = () => {
    ui ??= buildDocsUi(app).catch((err: unknown) => {
      ui = undefined; // tried again at the next request (the package may have been installed meanwhile)
      throw err;
    });
    return ui;
  };
  app.addHook("onClose", async () => {
    const built = await ui?.catch(() => undefined);
    await built?.close();
  });
  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    const page = await load();
    const answer = await page.inject({
      // HEAD is answered by Fastify from the GET handler, without the body.
      method: "GET",
      url: request.url,
      headers: request.headers,
    });
    // No such asset: the gateway's own 404, in its error shape.
    if (answer.statusCode === 404) return reply.callNotFound();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !NOT_FORWARDED.has(name)) reply.header(name, value);
    }
    reply.status(answer.statusCode);
    // A redirect or a 304 has no body (and no content type to make up for one).
    return answer.rawPayload.length === 0 ? reply.send() : reply.send(answer.rawPayload);
  };
  app.get(DOCS_PREFIX, { schema: { hide: true } }, serve);
  app.get(`${DOCS_PREFIX}/*`, { schema: { hide: true } }, serve);
}

async function buildDocsUi(app: FastifyInstance): Promise<FastifyInstance> {
  const { default: swaggerUi } = await importFeature(
    "the docs page (/docs)",
    "@fastify/swagger-ui",
    () => import("@fastify/swagger-ui"),
  );
  const page = Fastify({ logger: false });
  // The gateway's document as it is now (every route is registered before the first request);
  // it is OpenAPI 3.0 (see openApiPlugin), which app.swagger()'s type does not say.
  const document = app.swagger() as StaticDocumentSpec["document"];
  await page.register(swagger, { mode: "static", specification: { document } });
  await page.register(swaggerUi, { routePrefix: DOCS_PREFIX });
  await page.ready();
  return page;
}
