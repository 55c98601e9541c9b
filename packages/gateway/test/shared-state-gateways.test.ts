/**
 * Shared state mode end to end: real service processes, several gateways on one Redis. Gateway A
 * is the cluster's; the others run in this process with their own Redis connections, so what
 * passes between them goes through Redis exactly as between processes.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createLogger, hashText, loadConfig } from "@synapse/core";
import { connectRedis, type RedisClient } from "@synapse/resilience";
import { type RedisServer, startRedisServer } from "@synapse/testkit";
import { type RunningGateway, runGateway } from "../src/gateway-process.js";
import { type Cluster, readSse, startCluster } from "./helpers/cluster.js";

let redisServer: RedisServer;
let redis: RedisClient;
let cluster: Cluster;
const gateways: RunningGateway[] = [];

before(async () => {
  redisServer = await startRedisServer();
  redis = await connectRedis(redisServer.url);
  cluster = await startCluster({
    env: {
      SYNAPSE_STATE: "shared",
      SYNAPSE_REDIS_URL: redisServer.url,
      // Streams slow enough to resume one elsewhere while it is still being produced.
      // 100 tokens/s: a plan takes seconds, so a loaded CI machine cannot finish it before B attaches.
      SYNAPSE_CLAUDE_SIM_TOKENS_PER_SECOND: "100",
    },
  });
});
after(async () => {
  for (const gateway of gateways) await gateway.stop();
  await cluster?.stop();
  redis?.disconnect();
  await redisServer?.stop();
});

/** Another gateway on the same services and Redis, with extra settings. */
async function gateway(env: Record<string, string> = {}): Promise<string> {
  const config = loadConfig({ ...cluster.env, ...env });
  const running = await runGateway(
    config,
    createLogger({ name: "gateway", level: "silent", format: "json" }),
  );
  gateways.push(running);
  return `http://127.0.0.1:${running.port}`;
}

const post = (url: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

/** Calls gemini's (only) replica has answered for analyze, from its own /metrics. */
async function analyzeCalls(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${cluster.metricsPort("gemini", 0)}/metrics`)).text();
  let total = 0;
  for (const m of text.matchAll(/^synapse_service_calls_total\{([^}]*)\} (\d+)/gm)) {
    if (m[1]?.includes('action="analyze"')) total += Number(m[2]);
  }
  return total;
}

type Sse = Awaited<ReturnType<typeof readSse>>;
const seqOf = (e: Sse[number]) => (e.data as { seq: number }).seq;
const textOf = (events: Sse) =>
  events
    .filter((e) => e.event === "chunk")
    .map((e) => (e.data as { text: string }).text)
    .join("");

describe("two gateways on one Redis", () => {
  test("a stream started through A resumes through B: live tail while A produces, no gap, no duplicate", async () => {
    const gatewayB = await gateway();
    const started = await post(
      cluster.url,
      "/api/v1/claude/plan",
      { task: "Plan a zero-downtime move of a payments service to a new region" },
      { accept: "text/event-stream" },
    );
    const streamId = started.headers.get("x-stream-id") ?? "";
    const head = await readSse(started, 5);
    const last = head.at(-1);
    assert.equal(last?.event, "chunk");

    const resumed = await fetch(`${gatewayB}/api/v1/streams/${streamId}`, {
      headers: { "last-event-id": last?.id ?? "" },
      // Without a live tail across gateways B would wait forever; fail instead.
      signal: AbortSignal.timeout(20_000),
    });
    assert.equal(resumed.status, 200);
    // B answered, so it has read the log and listens to its tail. The stream is not over yet: A
    // is still producing, and whatever follows `seenByB` can only reach B through the tail.
    const meta = await redis.hgetall(`synapse:stream-meta:${streamId}`);
    assert.equal(meta.final, undefined, "A is still producing");
    const seenByB = Number(meta.lastSeq);
    const tail = await readSse(resumed);

    const chunks = [...head, ...tail].filter((e) => e.event === "chunk");
    assert.deepEqual(
      chunks.map(seqOf),
      chunks.map((_, i) => i + 1),
      "no gap, no duplicate",
    );
    assert.equal(seqOf(chunks[0] as Sse[number]), 1);
    const final = tail.at(-1);
    assert.ok(final?.event === "final");
    const { lastSeq, hash } = final.data as { lastSeq: number; hash: string };
    assert.equal(lastSeq, chunks.length);
    assert.equal(hash, hashText(textOf([...head, ...tail])), "the final hash matches the text");
    assert.ok(lastSeq > seenByB + 10, `B got chunks ${seenByB + 1}..${lastSeq} live`);
  });

  test("an Idempotency-Key used on A and then on B attaches to the same stream and the same answer", async () => {
    const gatewayB = await gateway();
    const body = { task: "Write release notes" };
    const key = { "idempotency-key": "release-notes-1", accept: "text/event-stream" };
    const first = await post(cluster.url, "/api/v1/claude/plan", body, key);
    const streamId = first.headers.get("x-stream-id");
    assert.ok(streamId);
    const again = await post(gatewayB, "/api/v1/claude/plan", body, key);
    assert.equal(again.headers.get("x-stream-id"), streamId, "B attached to A's stream");
    const [fromA, fromB] = await Promise.all([readSse(first), readSse(again)]);
    assert.equal(textOf(fromB), textOf(fromA));
    assert.deepEqual(fromB.at(-1)?.data, fromA.at(-1)?.data, "one stream, one final event");

    const unary = { "idempotency-key": "analyze-1" };
    const callsBefore = await analyzeCalls();
    const answerA = await (await post(cluster.url, "/api/v1/gemini/analyze", { text: "x" }, unary)).json();
    const answerB = await (await post(gatewayB, "/api/v1/gemini/analyze", { text: "x" }, unary)).json();
    assert.equal(await analyzeCalls(), callsBefore + 1, "the agent was called once");
    const { requestId: _a, ...sameA } = answerA as Record<string, unknown>;
    const { requestId: _b, ...sameB } = answerB as Record<string, unknown>;
    assert.deepEqual(sameB, sameA);
  });

  test("rate limits are shared: limit 3/min, 2 calls through C and 2 through D, the 4th is 429", async () => {
    const limited = { SYNAPSE_RATE_LIMIT_PER_MINUTE: "3" };
    const [gatewayC, gatewayD] = [await gateway(limited), await gateway(limited)];
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (const url of [gatewayC, gatewayC, gatewayD, gatewayD]) {
      const res = await post(url, "/api/v1/gemini/analyze", { text: "rate me" });
      statuses.push(res.status);
      if (res.status === 429) refused = res;
      else await res.arrayBuffer();
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.ok(refused !== undefined);
    assert.ok(Number(refused.headers.get("retry-after")) >= 1);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, "RESOURCE_EXHAUSTED");
  });

  test("the response cache is shared: a gateway that cannot reach claude answers with A's cached plan", async () => {
    const body = { task: "Plan the cache test" };
    const fresh = (await (await post(cluster.url, "/api/v1/claude/plan", body)).json()) as {
      text: string;
      fallback?: unknown;
    };
    assert.equal(fresh.fallback, undefined);
    const isolated = await gateway({
      // Nothing listens there: every claude call through this gateway fails UNAVAILABLE.
      SYNAPSE_CLAUDE_ENDPOINTS: "127.0.0.1:9:9",
      SYNAPSE_RETRY_MAX_ATTEMPTS: "1",
    });
    const answer = (await (await post(isolated, "/api/v1/claude/plan", body)).json()) as {
      text: string;
      fallback?: { kind: string };
    };
    assert.equal(answer.fallback?.kind, "cache");
    assert.equal(answer.text, fresh.text);
  });
});
