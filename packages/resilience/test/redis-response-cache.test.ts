import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { FakeClock, SynapseError } from "@synapse/core";
import { type RedisServer, startRedisServer } from "@synapse/testkit";
import type { Redis } from "ioredis";
import {
  connectRedis,
  fallbackInterceptor,
  RedisResponseCache,
  ResilienceEvents,
  type ResponseCacheStore,
  resolveOptions,
} from "../src/index.js";
import { fakeNext, request, response, unary, unaryOut } from "./helpers/fakes.js";

let server: RedisServer;
let redisA: Redis;
let redisB: Redis;

before(async () => {
  server = await startRedisServer();
  redisA = await connectRedis(server.url);
  redisB = await connectRedis(server.url);
});
after(async () => {
  redisA?.disconnect();
  redisB?.disconnect();
  await server?.stop();
});

const TTL = 60_000;

/** Two gateways' caches on one Redis, each through its own connection, on one fake clock. */
function twoCaches(keyPrefix: string) {
  const clock = new FakeClock();
  return {
    clock,
    a: new RedisResponseCache({ redis: redisA, clock, keyPrefix, ttlMs: TTL }),
    b: new RedisResponseCache({ redis: redisB, clock, keyPrefix, ttlMs: TTL }),
  };
}

/** A client's fallback layer over a transport that answers, or fails once `fail()` is called. */
function fallbackClient(cache: ResponseCacheStore, clock: FakeClock) {
  let failing = false;
  const next = fallbackInterceptor({
    options: resolveOptions().fallback,
    cache,
    clock,
    events: new ResilienceEvents(),
  })(
    fakeNext({
      unary: async (call) => {
        if (failing) throw new SynapseError("UNAVAILABLE", "every replica is down");
        return response(call.request, `answer to ${JSON.stringify(call.request.input)}`);
      },
    }),
  );
  return {
    invoke: async (input: Record<string, unknown>) =>
      unaryOut(await next(unary(request("claude", "plan", input)))),
    fail: () => {
      failing = true;
    },
  };
}

describe("Redis response cache", () => {
  test("an answer stored through one client is served through another, with its age, until the TTL", async () => {
    const { clock, a, b } = twoCaches("c1:");
    const req = request("gemini", "analyze", { text: "x", language: "ts" });
    await a.set(req, response(req, "stored by A"));
    clock.advance(30_000);
    // Same input, keys in another order: the same entry.
    const got = await b.get(request("gemini", "analyze", { language: "ts", text: "x" }));
    assert.equal(got?.response.text, "stored by A");
    assert.equal(got?.ageMs, 30_000);
    clock.advance(TTL - 30_000 + 1);
    assert.equal(await b.get(req), undefined, "older than the TTL");
    assert.equal(await b.get(request("gemini", "analyze", { text: "other" })), undefined);
  });

  test("Redis drops entries after the TTL by itself; fallback answers are never stored", async () => {
    const { a } = twoCaches("c2:");
    const req = request();
    await a.set(req, { ...response(req, "made up"), fallback: { kind: "rule", ageMs: 0 } });
    assert.deepEqual(await redisA.keys("c2:cache:*"), []);
    await a.set(req, response(req, "real"));
    const [key] = await redisA.keys("c2:cache:*");
    assert.ok(key !== undefined);
    const ttl = await redisA.pttl(key);
    assert.ok(ttl > TTL - 5_000 && ttl <= TTL, `${ttl} ms`);
  });

  test("the fallback of gateway B answers from what gateway A cached", async () => {
    const { clock, a, b } = twoCaches("c3:");
    const gatewayA = fallbackClient(a, clock);
    const gatewayB = fallbackClient(b, clock);
    const fresh = await gatewayA.invoke({ task: "shared" });
    assert.equal(fresh.fallback, undefined);
    // A stores without making its caller wait; once A's connection answers, the write is in.
    await redisA.ping();
    gatewayB.fail();
    clock.advance(5_000);
    const answered = await gatewayB.invoke({ task: "shared" });
    assert.deepEqual(answered.fallback, { kind: "cache", ageMs: 5_000 });
    assert.equal(answered.text, fresh.text);
  });

  test("a cache that cannot reach Redis is a miss: the rule-based answer stands in", async () => {
    const redis = await connectRedis(server.url);
    const clock = new FakeClock();
    const cache = new RedisResponseCache({ redis, clock, keyPrefix: "c4:" });
    const gateway = fallbackClient(cache, clock);
    await gateway.invoke({ task: "t" });
    redis.disconnect();
    gateway.fail();
    const answered = await gateway.invoke({ task: "t" });
    assert.deepEqual(answered.fallback, { kind: "rule", ageMs: 0 });
  });
});
