import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AgentBalancer, type Endpoint, PeakEwma } from "../src/balancer/index.js";
import { endpoints, FakeClock, seededRandom, tally } from "./balancer-fakes.js";

const TAU = 10_000;

describe("peak EWMA", () => {
  test("jumps to a higher sample, decays towards a lower one with w = exp(−Δt/τ)", () => {
    const e = new PeakEwma(TAU);
    assert.equal(e.hasSample, false);
    e.observe(100, 0);
    assert.equal(e.value(0), 100);
    e.observe(300, 1);
    assert.equal(e.value(1), 300, "peak-sensitive");
    e.observe(100, 1 + TAU);
    const expected = 300 * Math.exp(-1) + 100 * (1 - Math.exp(-1));
    assert.ok(Math.abs(e.value(1 + TAU) - expected) < 1e-9);
    // Without samples it keeps decaying when read, and reading changes nothing.
    assert.ok(Math.abs(e.value(1 + 2 * TAU) - expected * Math.exp(-1)) < 1e-9);
    assert.ok(Math.abs(e.value(1 + TAU) - expected) < 1e-9);
  });

  test("a sample at the same instant as the last one carries no weight unless it is a peak", () => {
    const e = new PeakEwma(TAU);
    e.observe(50, 0);
    e.observe(10, 0);
    assert.equal(e.value(0), 50);
  });
});

/**
 * Requests arrive every 10 ms and each completes after its replica's latency, all on a fake
 * clock. Returns the picks made after replica c turned 500 ms slower.
 */
function simulate(strategy: string, warmupMs: number, slowMs: number): string[] {
  const clock = new FakeClock();
  const balancer = new AgentBalancer({
    name: "claude",
    strategy,
    endpoints: endpoints(undefined, undefined, undefined),
    clock,
    random: seededRandom(11),
    outlierDetection: false,
  });
  const latency: Record<string, number> = { a: 20, b: 20, c: 20 };
  const after: string[] = [];
  const run = (ms: number, record: boolean) => {
    for (let t = 0; t < ms; t += 10) {
      const picked = balancer.pick();
      assert.equal(picked.type, "complete");
      if (picked.type !== "complete") return;
      const id = picked.endpoint.id;
      const latencyMs = latency[id]!;
      balancer.onStart(id);
      clock.setTimeout(() => balancer.onFinish(id, { latencyMs, ok: true }), latencyMs);
      if (record) after.push(id);
      clock.advance(10);
    }
  };
  run(warmupMs, false);
  latency.c = 520;
  run(slowMs, true);
  return after;
}

describe("least_response_time", () => {
  test("moves traffic off a replica made 500 ms slower: under 10 % of picks within 5 s", () => {
    const picks = simulate("least_response_time", 2_000, 5_000);
    assert.equal(picks.length, 500);
    const share = (tally(picks).c ?? 0) / picks.length;
    assert.ok(share < 0.1, `slow replica got ${(share * 100).toFixed(1)} % of picks`);
    // Once its first slow answer is in (after 520 ms), it stays off.
    assert.equal(tally(picks.slice(100)).c, undefined);
  });

  test("a replica shunned for being slow is probed again once its estimate has decayed", () => {
    const picks = simulate("least_response_time", 2_000, 60_000);
    // Picks are 10 ms apart: index 2,000 is 20 s after the slowdown.
    assert.ok(picks.slice(2_000).includes("c"), "never probed again");
    assert.ok((tally(picks).c ?? 0) / picks.length < 0.02);
  });

  test("the same simulation under round robin keeps a third on the slow replica (the test can fail)", () => {
    const picks = simulate("round_robin", 2_000, 5_000);
    const share = (tally(picks).c ?? 0) / picks.length;
    assert.ok(share > 0.3, `${share}`);
  });

  test("a replica without history gets one probe, is penalised while it is out, then competes on its latency", () => {
    const clock = new FakeClock();
    const list = endpoints(undefined, undefined);
    const balancer = new AgentBalancer({
      name: "claude",
      strategy: "least_response_time",
      endpoints: list,
      clock,
      random: seededRandom(5),
      outlierDetection: false,
    });
    for (const id of ["a", "b"]) {
      balancer.onStart(id);
      balancer.onFinish(id, { latencyMs: 20, ok: true });
    }
    const fresh: Endpoint = { id: "new", host: "127.0.0.1", port: 5031 };
    balancer.setEndpoints([...list, fresh]);
    // Each pick draws two of three: the new replica is drawn, and probed, within a few picks.
    const first: string[] = [];
    while (!first.includes("new")) {
      const picked = balancer.pick();
      if (picked.type !== "complete") assert.fail(picked.reason);
      balancer.onStart(picked.endpoint.id);
      first.push(picked.endpoint.id);
      assert.ok(first.length <= 20, "the new replica is starved");
    }
    // While its probe is in flight it costs far more than busy measured replicas: not picked again.
    const during: string[] = [];
    for (let i = 0; i < 200; i++) {
      const picked = balancer.pick();
      if (picked.type !== "complete") assert.fail(picked.reason);
      balancer.onStart(picked.endpoint.id);
      during.push(picked.endpoint.id);
    }
    assert.equal(tally(during).new, undefined);
    // Its first sample (fast, idle) makes it the cheapest replica.
    clock.advance(15);
    balancer.onFinish("new", { latencyMs: 15, ok: true });
    const next = balancer.pick();
    assert.equal(next.type === "complete" && next.endpoint.id, "new");
  });

  test("a fast failure does not make a replica look fast; a slow one raises its estimate", () => {
    const clock = new FakeClock();
    const balancer = new AgentBalancer({
      name: "claude",
      strategy: "least_response_time",
      endpoints: endpoints(undefined, undefined),
      clock,
      random: seededRandom(5),
      outlierDetection: false,
    });
    for (const [id, ms] of [
      ["a", 100],
      ["b", 50],
    ] as const) {
      balancer.onStart(id);
      balancer.onFinish(id, { latencyMs: ms, ok: true });
    }
    balancer.onStart("a");
    balancer.onFinish("a", { latencyMs: 1, ok: false, code: "UNAVAILABLE" });
    assert.deepEqual(
      tally(Array.from({ length: 10 }, () => (balancer.pick() as { endpoint: Endpoint }).endpoint.id)),
      { b: 10 },
    );
    balancer.onStart("b");
    balancer.onFinish("b", { latencyMs: 5_000, ok: false, code: "DEADLINE_EXCEEDED" });
    assert.deepEqual(
      tally(Array.from({ length: 10 }, () => (balancer.pick() as { endpoint: Endpoint }).endpoint.id)),
      { a: 10 },
    );
  });
});
