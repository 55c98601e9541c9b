import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type AgentResponse, FakeClock } from "@synapse/core";
import { connectRedis, type RedisClient } from "@synapse/resilience";
import { type RedisServer, startRedisServer } from "@synapse/testkit";
import { RedisIdempotencyStore } from "../src/redis-idempotency.js";

let server: RedisServer;
let redisA: RedisClient;
let redisB: RedisClient;

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

const TTL = 600_000;
const PENDING = 120_000;

/** Two gateways' stores on one Redis, each through its own connection, on one fake clock. */
function twoStores() {
  const clock = new FakeClock();
  const options = { ttlMs: TTL, pendingMs: PENDING, clock, pollMs: 20 };
  return {
    clock,
    a: new RedisIdempotencyStore({ redis: redisA, ...options }),
    b: new RedisIdempotencyStore({ redis: redisB, ...options }),
  };
}

const answer = (text: string): AgentResponse => ({
  agent: "gemini",
  action: "analyze",
  result: { text },
  text,
  usage: { inputTokens: 1, outputTokens: 1 },
  provider: "sim",
  model: "sim-1",
  latencyMs: 7,
});

/** Moves the fake clock in poll-sized steps until `promise` settles (bounded), letting I/O run. */
async function driveUntilSettled<T>(clock: FakeClock, promise: Promise<T>): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  for (let step = 0; step < 500 && !settled; step++) await clock.advanceAsync(20);
  return watched;
}

describe("idempotency keys in Redis", () => {
  test("a stream id registered through A is what B answers for the same key", async () => {
    const { a, b } = twoStores();
    assert.equal(await a.stream("k-stream", async () => "s_first"), "s_first");
    let startedAgain = false;
    const id = await b.stream("k-stream", async () => {
      startedAgain = true;
      return "s_second";
    });
    assert.equal(id, "s_first");
    assert.equal(startedAgain, false);
    const ttl = await redisA.pttl("synapse:idempotency:stream:k-stream");
    assert.ok(ttl > TTL - 5_000 && ttl <= TTL, `${ttl} ms`);
  });

  test("a key still pending on A is waited for on B, which gets A's answer; the agent runs once", async () => {
    const { clock, a, b } = twoStores();
    let release: (r: AgentResponse) => void = () => {};
    const first = a.unary(
      "k-wait",
      () =>
        new Promise<AgentResponse>((resolve) => {
          release = resolve;
        }),
    );
    // A's claim is in Redis before B asks: A's connection has answered it.
    await redisA.ping();
    assert.match((await redisB.get("synapse:idempotency:unary:k-wait")) ?? "", /^pending:/);
    const pttl = await redisB.pttl("synapse:idempotency:unary:k-wait");
    assert.ok(pttl > 0 && pttl <= PENDING, "a claim lapses if its gateway dies");
    let ranOnB = 0;
    const second = b.unary("k-wait", async () => {
      ranOnB++;
      return answer("from B");
    });
    await clock.advanceAsync(100);
    release(answer("from A"));
    assert.equal((await first).text, "from A");
    assert.equal((await driveUntilSettled(clock, second)).text, "from A");
    assert.equal(ranOnB, 0);
  });

  test("a failed first call frees its key, so the retry through B really runs", async () => {
    const { a, b } = twoStores();
    await assert.rejects(
      a.unary("k-fail", async () => {
        throw new Error("upstream down");
      }),
      /upstream down/,
    );
    assert.equal((await b.unary("k-fail", async () => answer("retried"))).text, "retried");
  });

  test("a claim that lapsed (its gateway died) is taken over by the waiter", async () => {
    const { clock, b } = twoStores();
    await redisA.set("synapse:idempotency:unary:k-orphan", "pending:dead-gateway", "PX", PENDING);
    let ran = 0;
    const waiting = b.unary("k-orphan", async () => {
      ran++;
      return answer("taken over");
    });
    await clock.advanceAsync(100);
    assert.equal(ran, 0, "still waiting on the claim");
    // What PX does once pendingMs has passed.
    await redisA.del("synapse:idempotency:unary:k-orphan");
    assert.equal((await driveUntilSettled(clock, waiting)).text, "taken over");
    assert.equal(ran, 1);
  });
});
