import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SynapseError } from "@synapse/core";
import {
  baseDelay,
  RESILIENCE_DEFAULTS,
  ResilienceEvents,
  RetryBackoff,
  type RetryOptions,
  resolveOptions,
  retryInterceptor,
} from "../src/index.js";
import { AutoClock, fakeNext, request, response, seeded, unary } from "./helpers/fakes.js";

const schedule = RESILIENCE_DEFAULTS.retry;

describe("backoff schedule (gRFC A6)", () => {
  test("base delays: 100 ms ×2 per retry, capped at 5 s", () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => baseDelay(schedule, n)),
      [100, 200, 400, 800, 1600, 3200, 5000, 5000],
    );
  });

  test("over 10,000 samples each delay lies in [0.8, 1.2] × the schedule and the mean is within ±2 %", () => {
    const random = seeded(42);
    for (let n = 1; n <= 8; n++) {
      const base = baseDelay(schedule, n);
      let sum = 0;
      for (let i = 0; i < 10_000; i++) {
        const backoff = new RetryBackoff(schedule, random);
        let delay = 0;
        for (let k = 0; k < n; k++) delay = backoff.next();
        assert.ok(
          delay >= 0.8 * base && delay <= 1.2 * base,
          `retry ${n}: ${delay} outside [0.8, 1.2] × ${base}`,
        );
        sum += delay;
      }
      const mean = sum / 10_000;
      assert.ok(Math.abs(mean - base) <= 0.02 * base, `retry ${n}: mean ${mean} vs ${base}`);
    }
  });

  test("the jitter's ends: random 0 gives 0.8 ×, random → 1 gives 1.2 ×", () => {
    assert.equal(new RetryBackoff(schedule, () => 0).next(), 80);
    assert.ok(Math.abs(new RetryBackoff(schedule, () => 1 - 1e-12).next() - 120) < 1e-6);
  });
});

/** Runs one call through the retry layer whose fake server answers attempt i with outcomes[i]. */
async function run(outcomes: (SynapseError | "ok")[], retry: Partial<RetryOptions> = {}) {
  const clock = new AutoClock();
  const options = resolveOptions({ retry: { throttle: false, ...retry } }).retry;
  let attempts = 0;
  const next = retryInterceptor({
    options,
    throttle: undefined,
    clock,
    random: () => 0.5,
    events: new ResilienceEvents(),
  })(
    fakeNext({
      unary: async (call) => {
        const outcome = outcomes[Math.min(attempts++, outcomes.length - 1)];
        if (outcome === undefined || outcome === "ok") return response(call.request);
        throw outcome;
      },
    }),
  );
  let error: unknown;
  try {
    await next(unary(request()));
  } catch (err) {
    error = err;
  }
  return { attempts, delays: clock.delays, error };
}

const unavailable = (retryAfterMs?: number) =>
  new SynapseError("UNAVAILABLE", "down", retryAfterMs === undefined ? {} : { retryAfterMs });

describe("retry delays through the interceptor", () => {
  test("server pushback sets the next delay, then the schedule restarts from the first backoff", async () => {
    const r = await run([unavailable(), unavailable(), unavailable(3_000), unavailable(), "ok"]);
    assert.equal(r.error, undefined);
    assert.equal(r.attempts, 5);
    assert.deepEqual(r.delays, [100, 200, 3_000, 100]);
  });

  test("a negative pushback stops retrying", async () => {
    const r = await run([unavailable(-1), "ok"]);
    assert.equal(r.attempts, 1);
    assert.deepEqual(r.delays, []);
    assert.ok(r.error instanceof SynapseError && r.error.code === "UNAVAILABLE");
  });

  test("never more than 5 attempts, whatever maxAttempts asks", async () => {
    const r = await run([unavailable()], { maxAttempts: 10 });
    assert.equal(r.attempts, 5);
    assert.deepEqual(r.delays, [100, 200, 400, 800]);
    assert.equal(resolveOptions({ retry: { maxAttempts: 10 } }).retry.maxAttempts, 5);
  });

  test("maxAttempts below 5 is honoured", async () => {
    const r = await run([unavailable()], { maxAttempts: 2 });
    assert.equal(r.attempts, 2);
  });

  test("only retryable codes are retried; DEADLINE_EXCEEDED only when configured", async () => {
    const deadline = new SynapseError("DEADLINE_EXCEEDED", "slow");
    assert.equal((await run([new SynapseError("INVALID_ARGUMENT", "bad"), "ok"])).attempts, 1);
    assert.equal((await run([deadline, "ok"])).attempts, 1);
    assert.equal((await run([deadline, "ok"], { retryableCodes: ["DEADLINE_EXCEEDED"] })).attempts, 2);
    assert.equal((await run([new SynapseError("RESOURCE_EXHAUSTED", "busy"), "ok"])).attempts, 2);
  });
});
