import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { HealthStatus } from "@synapse/core";
import {
  ActiveHealthChecker,
  type ActiveHealthCheckerOptions,
  AgentBalancer,
  type Endpoint,
  type HealthEvent,
} from "../src/balancer/index.js";
import { endpoints, FakeClock, flush, seededRandom, tally } from "./balancer-fakes.js";

type Answer = HealthStatus | "hang" | "throw";

/** A health check answering from `answers` (default SERVING), recording calls and aborted signals. */
function fakeCheck() {
  const answers = new Map<string, Answer>();
  const calls: string[] = [];
  const aborted: string[] = [];
  const check = (endpoint: Endpoint, signal: AbortSignal): Promise<HealthStatus> => {
    calls.push(endpoint.id);
    signal.addEventListener("abort", () => aborted.push(endpoint.id));
    const answer = answers.get(endpoint.id) ?? "SERVING";
    if (answer === "throw") return Promise.reject(new Error("connection refused"));
    if (answer === "hang") {
      return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    }
    return Promise.resolve(answer);
  };
  return { answers, calls, aborted, check };
}

function checker(options: Partial<ActiveHealthCheckerOptions> = {}) {
  const clock = new FakeClock(0);
  const fake = fakeCheck();
  const c = new ActiveHealthChecker({ check: fake.check, clock, ...options });
  const events: HealthEvent[] = [];
  c.subscribe((e) => events.push(e));
  c.setEndpoints(endpoints(undefined, undefined));
  /** Moves the clock and lets the checks' answers be recorded. */
  const advance = async (ms: number) => {
    clock.advance(ms);
    await flush();
  };
  return { clock, c, events, advance, ...fake };
}

describe("active health checks", () => {
  test("a round at start, then one every 5 s", async () => {
    const { c, calls, advance } = checker();
    c.start();
    await flush();
    assert.deepEqual(calls, ["a", "b"]);
    await advance(4_999);
    assert.equal(calls.length, 2);
    await advance(1);
    assert.equal(calls.length, 4);
    await advance(5_000);
    await advance(5_000);
    assert.equal(calls.length, 8);
    c.stop();
  });

  test("unhealthy after 2 failed checks, healthy again after 1 good one", async () => {
    const { c, events, answers, advance } = checker();
    answers.set("a", "NOT_SERVING");
    c.start();
    await flush();
    assert.equal(c.isHealthy("a"), true, "one failure is not enough");
    await advance(5_000);
    assert.equal(c.isHealthy("a"), false);
    assert.deepEqual(events, [{ endpoint: "a", healthy: false, at: 5_000 }]);
    answers.set("a", "SERVING");
    await advance(5_000);
    assert.equal(c.isHealthy("a"), true);
    assert.deepEqual(events.at(-1), { endpoint: "a", healthy: true, at: 10_000 });
    assert.equal(c.isHealthy("b"), true);
    c.stop();
  });

  test("thresholds are parameters (3 to fail, 2 to recover); a throwing check is a failure", async () => {
    const { c, answers, advance } = checker({
      unhealthyThreshold: 3,
      healthyThreshold: 2,
      intervalMs: 1_000,
    });
    answers.set("a", "throw");
    c.start();
    await flush();
    await advance(1_000);
    assert.equal(c.isHealthy("a"), true);
    await advance(1_000);
    assert.equal(c.isHealthy("a"), false);
    answers.set("a", "SERVING");
    await advance(1_000);
    assert.equal(c.isHealthy("a"), false);
    await advance(1_000);
    assert.equal(c.isHealthy("a"), true);
    c.stop();
  });

  test("a check that takes longer than its timeout fails, and its signal is aborted", async () => {
    const { c, answers, aborted, advance, calls } = checker({ timeoutMs: 1_000 });
    answers.set("a", "hang");
    c.start();
    await flush();
    await advance(999);
    assert.deepEqual(aborted, []);
    await advance(1);
    assert.deepEqual(aborted, ["a"]);
    await advance(4_000); // second round: a hangs again and times out at 6 s
    assert.equal(calls.filter((id) => id === "a").length, 2);
    assert.equal(c.isHealthy("a"), true);
    await advance(1_000);
    assert.equal(c.isHealthy("a"), false);
    c.stop();
  });

  test("stop cancels the timer and aborts checks in flight without recording them", async () => {
    const { c, clock, answers, aborted, events } = checker();
    answers.set("a", "hang");
    c.start();
    await flush();
    c.stop();
    await flush();
    assert.deepEqual(aborted, ["a"]);
    assert.equal(clock.pending, 0);
    assert.deepEqual(events, []);
  });

  test("removed endpoints are no longer checked; new ones start healthy and are checked", async () => {
    const { c, calls, advance } = checker();
    c.start();
    await flush();
    c.setEndpoints([{ id: "z", host: "127.0.0.1", port: 5099 }]);
    await advance(5_000);
    assert.deepEqual(calls, ["a", "b", "z"]);
    assert.equal(c.isHealthy("z"), true);
    c.stop();
  });
});

describe("health in the balancer", () => {
  test("endpoints the checker finds unhealthy are not picked, and come back when healthy", async () => {
    const clock = new FakeClock(0);
    const fake = fakeCheck();
    const b = new AgentBalancer({
      name: "gemini",
      strategy: "round_robin",
      endpoints: endpoints(undefined, undefined, undefined),
      healthCheck: { check: fake.check },
      clock,
      random: seededRandom(1),
    });
    const picks = () =>
      tally(Array.from({ length: 6 }, () => b.pickEndpoint(undefined, new Set()) ?? "none"));
    fake.answers.set("b", "NOT_SERVING");
    b.start();
    await flush();
    clock.advance(5_000);
    await flush();
    assert.deepEqual(picks(), { a: 3, c: 3 });
    assert.equal(b.status()[1]?.healthy, false);
    fake.answers.set("b", "SERVING");
    clock.advance(5_000);
    await flush();
    assert.deepEqual(picks(), { a: 2, b: 2, c: 2 });
    b.close();
    assert.equal(clock.pending, 0);
  });
});
