import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type AgentName, notSentError, SynapseError } from "@synapse/core";
import { ResilienceEvents, RetryThrottle, resolveOptions, retryInterceptor } from "../src/index.js";
import { AutoClock, fakeNext, request, response, unary } from "./helpers/fakes.js";

const INF = Number.POSITIVE_INFINITY;

function setup(failure: () => SynapseError = () => new SynapseError("UNAVAILABLE", "server failing")) {
  const throttle = new RetryThrottle({ maxTokens: 10, tokenRatio: 0.5 });
  let failuresLeft = 0;
  let attempts = 0;
  const next = retryInterceptor({
    options: resolveOptions().retry,
    throttle,
    clock: new AutoClock(),
    random: () => 0.5,
    events: new ResilienceEvents(),
  })(
    fakeNext({
      unary: async (call) => {
        attempts++;
        if (failuresLeft > 0) {
          failuresLeft--;
          throw failure();
        }
        return response(call.request);
      },
    }),
  );
  /** One call whose server fails its first `failures` attempts; returns how many attempts it made. */
  const call = async (failures: number, agent: AgentName = "claude") => {
    failuresLeft = failures;
    attempts = 0;
    await next(unary(request(agent, agent === "claude" ? "plan" : "analyze"))).catch(() => {});
    return attempts;
  };
  return { throttle, call };
}

describe("retry throttling (token bucket per target)", () => {
  test("maxTokens 10, tokenRatio 0.5: attempts per call follow the bucket exactly", async () => {
    const { throttle, call } = setup();
    // [server failures before success, expected attempts, tokens after]
    const table: [number, number, number][] = [
      [INF, 5, 5], // 10→9→8→7→6→5: four retries allowed (tokens > 5), then max attempts
      [INF, 1, 4], // 5→4: no retry once tokens ≤ 5
      [0, 1, 4.5],
      [0, 1, 5],
      [0, 1, 5.5],
      [1, 1, 4.5], // 5.5→4.5: the retry that would have succeeded is not made
      [0, 1, 5],
      [0, 1, 5.5],
      [0, 1, 6],
      [2, 1, 5], // 6→5: exactly half is not enough
      [0, 1, 5.5],
      [0, 1, 6],
      [0, 1, 6.5],
      [1, 2, 6], // 6.5→5.5 (retry allowed) → success +0.5
      [2, 1, 5], // 6→5: stop
    ];
    for (const [i, [failures, attempts, tokens]] of table.entries()) {
      assert.equal(await call(failures), attempts, `row ${i + 1}: attempts`);
      assert.equal(throttle.tokens("claude"), tokens, `row ${i + 1}: tokens`);
    }
  });

  test("buckets are per target: a drained agent does not stop another's retries", async () => {
    const { throttle, call } = setup();
    await call(INF);
    await call(INF);
    assert.equal(throttle.tokens("claude"), 4);
    assert.equal(await call(1), 1);
    assert.equal(await call(1, "gemini"), 2);
    assert.equal(throttle.tokens("gemini"), 9.5);
  });

  test("calls that were never sent (no connection) retry at once and spend no tokens (gRFC A6 transparent retry)", async () => {
    const { throttle, call } = setup(() => notSentError("Cannot connect to 127.0.0.1:1 (ECONNREFUSED)"));
    for (let i = 0; i < 10; i++) assert.equal(await call(2), 3, `call ${i + 1}`);
    assert.equal(throttle.tokens("claude"), 10, "only successes counted");
    assert.equal(await call(INF), 5, "still bounded by maxAttempts");
    assert.equal(throttle.tokens("claude"), 10);
  });

  test("buckets are per replica: a dead replica's failures do not throttle retries to a healthy one", async () => {
    const throttle = new RetryThrottle({ maxTokens: 10, tokenRatio: 0.5 });
    const seen: string[] = [];
    const next = retryInterceptor({
      options: resolveOptions().retry,
      throttle,
      clock: new AutoClock(),
      random: () => 0.5,
      events: new ResilienceEvents(),
      pickEndpoint: (_call, exclude) => ["a", "b"].find((e) => !exclude.has(e)),
    })(
      fakeNext({
        unary: async (call) => {
          seen.push(call.endpoint ?? "?");
          if (call.endpoint === "a") throw new SynapseError("UNAVAILABLE", "connection reset mid-call");
          return response(call.request);
        },
      }),
    );
    for (let i = 0; i < 20; i++) {
      seen.length = 0;
      await next(unary(request("claude", "plan")));
      assert.deepEqual(seen, ["a", "b"], `call ${i + 1} retried on b`);
    }
    assert.equal(throttle.tokens("a"), 0, "a's bucket is drained");
    assert.equal(throttle.tokens("b"), 10);
    assert.equal(throttle.allowsRetry("a"), false);
  });

  test("tokens are exact in thousandths: ten successes of 0.1 give back exactly 1", () => {
    const t = new RetryThrottle({ maxTokens: 10, tokenRatio: 0.1 });
    t.onFailure("x");
    t.onFailure("x");
    for (let i = 0; i < 10; i++) t.onSuccess("x");
    assert.equal(t.tokens("x"), 9);
  });
});
