import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createLogger, loadConfig } from "@synapse/core";
import { type RunningGateway, runGateway } from "../src/gateway-process.js";
import { type Cluster, startCluster } from "./helpers/cluster.js";

let cluster: Cluster;
let secured: RunningGateway;
let url: string;

before(async () => {
  cluster = await startCluster();
  const config = loadConfig({
    ...cluster.env,
    SYNAPSE_API_KEYS: "sk-test-alpha,sk-test-beta",
    SYNAPSE_RATE_LIMIT_PER_MINUTE: "3",
    SYNAPSE_CORS_ORIGINS: "https://app.example",
  });
  secured = await runGateway(config, createLogger({ name: "gateway", level: "silent", format: "json" }));
  url = `http://127.0.0.1:${secured.port}`;
});
after(async () => {
  await secured?.stop();
  await cluster?.stop();
});

const plan = (headers: Record<string, string>) =>
  fetch(`${url}/api/v1/claude/plan`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ task: "Secure me" }),
  });

describe("gateway security", () => {
  test("API keys are required on the API when configured, and never echoed", async () => {
    const missing = await plan({});
    assert.equal(missing.status, 401);
    const body = (await missing.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "UNAUTHENTICATED");
    assert.match(body.error.message, /Authorization: Bearer/);
    const wrong = await plan({ authorization: "Bearer sk-test-gamma" });
    assert.equal(wrong.status, 401);
    assert.doesNotMatch(await wrong.text(), /sk-test/);
    assert.equal((await plan({ authorization: "Bearer sk-test-beta" })).status, 200);
    // OpenAI routes too, in the OpenAI error shape.
    const openai = await fetch(`${url}/v1/models`);
    assert.equal(openai.status, 401);
    assert.equal(((await openai.json()) as { error: { type: string } }).error.type, "authentication_error");
    // Probes, metrics and docs stay open for orchestrators and scrapers.
    assert.equal((await fetch(`${url}/health/live`)).status, 200);
    assert.equal((await fetch(`${url}/metrics`)).status, 200);
  });

  test("rate limits are per key: 429 with Retry-After, other keys unaffected", async () => {
    const key = { authorization: "Bearer sk-test-alpha" };
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 4; i++) {
      const res = await plan(key);
      statuses.push(res.status);
      if (res.status === 429) limited = res;
      else await res.arrayBuffer();
    }
    assert.deepEqual(statuses.slice(-1), [429]);
    assert.ok(limited);
    assert.ok(Number(limited.headers.get("retry-after")) >= 1);
    assert.equal(((await limited.json()) as { error: { code: string } }).error.code, "RESOURCE_EXHAUSTED");
    // beta used 1 of its 3 in the previous test.
    assert.equal((await plan({ authorization: "Bearer sk-test-beta" })).status, 200);
  });

  test("CORS answers only the configured origins", async () => {
    const allowed = await fetch(`${url}/health/live`, { headers: { origin: "https://app.example" } });
    assert.equal(allowed.headers.get("access-control-allow-origin"), "https://app.example");
    const other = await fetch(`${url}/health/live`, { headers: { origin: "https://evil.example" } });
    assert.equal(other.headers.get("access-control-allow-origin"), null);
    const closed = await fetch(`${cluster.url}/health/live`, { headers: { origin: "https://app.example" } });
    assert.equal(closed.headers.get("access-control-allow-origin"), null, "closed by default");
  });

  test("a preflight is answered when CORS is open, and is an unknown route when it is closed", async () => {
    const preflight = { origin: "https://app.example", "access-control-request-method": "POST" };
    // Browsers send no credentials on a preflight, so API keys (configured here) must not refuse it.
    for (const path of ["/health/live", "/api/v1/claude/plan", "/v1/chat/completions"]) {
      const open = await fetch(`${url}${path}`, { method: "OPTIONS", headers: preflight });
      assert.equal(open.status, 204, path);
      assert.equal(open.headers.get("access-control-allow-origin"), "https://app.example", path);
    }
    // The request that follows still needs its key; an OPTIONS that is no preflight does too.
    assert.equal((await plan({ origin: "https://app.example" })).status, 401);
    const notPreflight = await fetch(`${url}/api/v1/claude/plan`, { method: "OPTIONS" });
    assert.equal(notPreflight.status, 401);
    const closed = await fetch(`${cluster.url}/api/v1/claude/plan`, {
      method: "OPTIONS",
      headers: preflight,
    });
    assert.equal(closed.status, 404);
    assert.equal(closed.headers.get("access-control-allow-origin"), null);
    const body = (await closed.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "NOT_FOUND");
    assert.match(body.error.message, /No route OPTIONS \/api\/v1\/claude\/plan/);
  });
});
