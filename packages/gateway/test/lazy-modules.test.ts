import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startGatewayChild } from "./helpers/gateway-child.js";

// Packages that only some deployments use are loaded when their feature is first used or
// configured (they were half of an idle gateway's memory). Here they are refused as if not
// installed: a default gateway must still start and serve, and using the feature must say which
// package is missing instead of crashing.
const MAIN = new URL("./fixtures/gateway-denied-main.js", import.meta.url).pathname;
const OPTIONAL = [
  "@langchain/",
  "ioredis",
  "pg",
  "pino-pretty",
  "@grpc/reflection",
  "@opentelemetry/sdk-trace-base",
  "@opentelemetry/exporter-trace-otlp-http",
  // The docs page's plugin and what it brings, loaded on the first /docs request.
  "@fastify/swagger-ui",
  "@fastify/static",
  // Rate limits are off unless configured.
  "@fastify/rate-limit",
  // The health client is generated code: a gateway never parses health.proto at run time.
  "grpc-health-check",
  "@grpc/proto-loader",
  "protobufjs",
];
const dataDir = mkdtempSync(join(tmpdir(), "synapse-lazy-"));
after(() => rmSync(dataDir, { recursive: true, force: true }));

function env(extra: Record<string, string> = {}): Record<string, string> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SYNAPSE_")));
  return {
    ...(clean as Record<string, string>),
    DENY_MODULES: OPTIONAL.join(","),
    SYNAPSE_DATA_DIR: dataDir,
    SYNAPSE_LOG_LEVEL: "error",
    SYNAPSE_LOG_FORMAT: "json",
    // Nothing listens there: the gateway starts with every agent unavailable, which is enough here.
    SYNAPSE_CLAUDE_ENDPOINTS: "127.0.0.1:1:1",
    SYNAPSE_GEMINI_ENDPOINTS: "127.0.0.1:1:1",
    SYNAPSE_CODEX_ENDPOINTS: "127.0.0.1:1:1",
    ...extra,
  };
}

describe("optional packages load only when their feature is used", () => {
  test("a default gateway starts and serves without them; a workflow names the missing package", async () => {
    const gateway = await startGatewayChild(env(), MAIN);
    try {
      const live = await fetch(`${gateway.url}/health/live`);
      assert.equal(live.status, 200);
      const metrics = await fetch(`${gateway.url}/metrics`);
      assert.equal(metrics.status, 200);
      const run = await fetch(`${gateway.url}/api/v1/workflow`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ task: "Add a health check" }),
      });
      assert.equal(run.status, 412);
      const { error } = (await run.json()) as { error: { code: string; message: string } };
      assert.equal(error.code, "FAILED_PRECONDITION");
      assert.match(
        error.message,
        /^workflows needs the npm package @langchain\/[a-z-]+, which is not installed/,
      );
      // No run was created for a request that could not start one.
      const list = (await (await fetch(`${gateway.url}/api/v1/workflow`)).json()) as { runs: unknown[] };
      assert.deepEqual(list.runs, []);
      // The OpenAPI document needs nothing optional; the docs page names its package, every time.
      assert.equal((await fetch(`${gateway.url}/openapi.json`)).status, 200);
      for (let i = 0; i < 2; i++) {
        const docs = await fetch(`${gateway.url}/docs`);
        assert.equal(docs.status, 412);
        const body = (await docs.json()) as { error: { code: string; message: string } };
        assert.equal(body.error.code, "FAILED_PRECONDITION");
        assert.match(
          body.error.message,
          /^the docs page \(\/docs\) needs the npm package @fastify\/swagger-ui, which is not installed/,
        );
      }
    } finally {
      await gateway.stop();
    }
  });

  test("shared state without ioredis: start-up fails naming the package", async () => {
    const started = startGatewayChild(
      env({ SYNAPSE_STATE: "shared", SYNAPSE_REDIS_URL: "redis://127.0.0.1:1" }),
      MAIN,
    );
    await assert.rejects(
      started,
      /shared state \(SYNAPSE_STATE=shared\) needs the npm package ioredis, which is not installed/,
    );
  });

  test("rate limits without @fastify/rate-limit: start-up fails naming the package", async () => {
    const started = startGatewayChild(env({ SYNAPSE_RATE_LIMIT_PER_MINUTE: "60" }), MAIN);
    await assert.rejects(
      started,
      /rate limits \(SYNAPSE_RATE_LIMIT_PER_MINUTE\) needs the npm package @fastify\/rate-limit, which is not installed/,
    );
  });

  test("pretty logs without pino-pretty: start-up fails naming the package, without a stack trace", async () => {
    const started = startGatewayChild(env({ SYNAPSE_LOG_FORMAT: "pretty" }), MAIN);
    await assert.rejects(started, (err: Error) => {
      assert.match(
        err.message,
        /exited \(2\).*pretty logs needs the npm package pino-pretty, which is not installed/s,
      );
      assert.doesNotMatch(err.message, /\n\s+at /);
      return true;
    });
  });
});
