/**
 * Authentication, rate limits and CORS.
 * - API keys (config gateway.apiKeys): required as `Authorization: Bearer <key>` on /api and /v1
 *   when any is configured. Keys are kept only as SHA-256 hashes and compared in constant time.
 * - Rate limits (gateway.rateLimitPerMinute): per key, or per client address without keys;
 *   429 with Retry-After (@fastify/rate-limit). In shared state mode the counters live in Redis,
 *   so the limit holds across every gateway; if Redis fails, requests pass rather than fail.
 * - CORS (gateway.corsOrigins): closed unless origins are listed.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import cors from "@fastify/cors";
import { importFeature, SynapseError } from "@synapse/core";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { GatewayContext } from "../context.js";

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest();

/** Routes open without a key: health probes, metrics scraping and the API docs. */
function isOpen(url: string): boolean {
  return !(url.startsWith("/api/") || url.startsWith("/v1/"));
}

export const securityPlugin = fp(async (app: FastifyInstance, ctx: GatewayContext) => {
  const { apiKeys, rateLimitPerMinute, corsOrigins } = ctx.config.gateway;
  const hashes = apiKeys.map(sha256);
  const corsOpen = corsOrigins.length > 0;

  // A callback hook, not an async one: it runs on every request, and an async hook costs two
  // promises and their microtask turns each time.
  app.addHook("onRequest", (request, _reply, done) => {
    if (hashes.length === 0) {
      request.principal = request.ip;
      done();
      return;
    }
    let error: SynapseError | undefined;
    if (!isOpen(request.url) && !(corsOpen && isPreflight(request))) error = authenticate(request, hashes);
    done(error);
  });

  if (rateLimitPerMinute > 0) {
    // Loaded only when configured (off by default): with ip-address, its dependency, it was
    // ~0.4 MiB of an idle gateway's heap that never limited anything.
    const { default: rateLimit } = await importFeature(
      "rate limits (SYNAPSE_RATE_LIMIT_PER_MINUTE)",
      "@fastify/rate-limit",
      () => import("@fastify/rate-limit"),
    );
    await app.register(rateLimit, {
      max: rateLimitPerMinute,
      timeWindow: 60_000,
      hook: "preHandler",
      allowList: (request) => isOpen(request.url),
      keyGenerator: (request) => request.principal ?? request.ip,
      ...(ctx.redis === undefined
        ? {}
        : { redis: ctx.redis, nameSpace: "synapse:rate-limit:", skipOnError: true }),
      errorResponseBuilder: (_request, context) =>
        new SynapseError("RESOURCE_EXHAUSTED", `Rate limit of ${context.max} requests per minute exceeded.`, {
          retryAfterMs: context.ttl,
        }),
    });
  }

  // Closed CORS registers nothing: @fastify/cors with `origin: false` only adds a hook that does
  // nothing on every request and an OPTIONS route that answers 404, as an unknown route does.
  if (corsOrigins.length > 0) {
    await app.register(cors, {
      origin: corsOrigins,
      exposedHeaders: ["x-stream-id", "retry-after", "x-request-id"],
    });
  }
});

/**
 * A CORS preflight: browsers send it without credentials (Fetch standard), so it cannot carry the
 * key; it only asks which methods and headers are allowed, and answers nothing else. The actual
 * request that follows must still present the key.
 */
function isPreflight(request: FastifyRequest): boolean {
  return request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined;
}

/** Checks the request's Bearer key; sets its principal, or returns why it is refused. */
function authenticate(request: FastifyRequest, hashes: Buffer[]): SynapseError | undefined {
  const presented = bearer(request);
  if (presented === undefined) {
    return new SynapseError("UNAUTHENTICATED", "Missing API key: send `Authorization: Bearer <key>`.");
  }
  const digest = sha256(presented);
  // Compare against every key so the time taken does not tell which one came close.
  let match = -1;
  hashes.forEach((h, i) => {
    if (timingSafeEqual(h, digest)) match = i;
  });
  if (match < 0) return new SynapseError("UNAUTHENTICATED", "Invalid API key.");
  request.principal = `key:${digest.toString("hex").slice(0, 12)}`;
  return undefined;
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== "string") return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}
