import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  AgentBalancer,
  type CallOutcome,
  countsAsFailure,
  OutlierDetector,
  type OutlierEvent,
} from "../src/balancer/index.js";
import { endpoints, FakeClock, seededRandom, tally } from "./balancer-fakes.js";

const FAIL: CallOutcome = { latencyMs: 3, ok: false, code: "UNAVAILABLE" };
const OK: CallOutcome = { latencyMs: 3, ok: true };

function detector(ids: string[], options: ConstructorParameters<typeof OutlierDetector>[0] = {}) {
  const clock = new FakeClock(0);
  const d = new OutlierDetector({ ...options, clock });
  const events: OutlierEvent[] = [];
  d.subscribe((e) => events.push(e));
  d.setEndpoints(ids);
  const fail = (id: string, n = 5) => {
    for (let i = 0; i < n; i++) d.record(id, FAIL);
  };
  return { clock, d, events, fail };
}

describe("outlier ejection (consecutive failures)", () => {
  test("5 consecutive failures eject for 30 s; it returns at 30 s, not before", () => {
    const { clock, d, events, fail } = detector(["a", "b", "c"]);
    fail("a", 4);
    assert.equal(d.isEjected("a"), false);
    fail("a", 1);
    assert.equal(d.isEjected("a"), true);
    assert.deepEqual(events, [
      { type: "ejected", endpoint: "a", at: 0, durationMs: 30_000, timesEjected: 1 },
    ]);
    clock.advance(29_999);
    assert.equal(d.isEjected("a"), true);
    clock.advance(1);
    assert.equal(d.isEjected("a"), false);
    assert.deepEqual(events[1], { type: "returned", endpoint: "a", at: 30_000, durationMs: 30_000 });
  });

  test("ejected again right away: 60 s, then 90 s …, capped at 300 s", () => {
    const { clock, d, events, fail } = detector(["a", "b"]);
    const durations: number[] = [];
    for (let i = 0; i < 12; i++) {
      fail("a");
      const last = events.at(-1);
      assert.equal(last?.type, "ejected");
      durations.push(last!.durationMs);
      clock.advance(last!.durationMs - 1);
      assert.equal(d.isEjected("a"), true, `ejection ${i + 1} ends early`);
      clock.advance(1);
      assert.equal(d.isEjected("a"), false, `ejection ${i + 1} does not end`);
    }
    assert.deepEqual(
      durations,
      [30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 300, 300].map((s) => s * 1000),
    );
  });

  test("the multiplier decays by one per 30 s spent back in rotation", () => {
    const { clock, events, fail } = detector(["a", "b"]);
    fail("a");
    clock.advance(30_000);
    fail("a"); // ×2
    clock.advance(60_000);
    clock.advance(30_000); // one period back in rotation: ×2 → ×1, the next ejection is ×2 again
    fail("a");
    assert.equal(events.at(-1)?.durationMs, 60_000);
    clock.advance(60_000);
    clock.advance(60_000); // two periods: back to ×0, the next is a first ejection
    fail("a");
    assert.equal(events.at(-1)?.durationMs, 30_000);
  });

  test("a success resets the count, and so does a failure the predicate does not count", () => {
    const { d, fail } = detector(["a", "b"]);
    fail("a", 4);
    d.record("a", OK);
    fail("a", 4);
    d.record("a", { latencyMs: 1, ok: false, code: "INVALID_ARGUMENT" });
    fail("a", 4);
    assert.equal(d.isEjected("a"), false);
    fail("a", 1);
    assert.equal(d.isEjected("a"), true);
  });

  test("the default predicate counts exactly the breaker's codes; a custom one can replace it", () => {
    for (const code of [
      "UNAVAILABLE",
      "DEADLINE_EXCEEDED",
      "INTERNAL",
      "UNKNOWN",
      "RESOURCE_EXHAUSTED",
    ] as const) {
      assert.equal(countsAsFailure({ latencyMs: 0, ok: false, code }), true, code);
    }
    for (const code of ["INVALID_ARGUMENT", "NOT_FOUND", "CANCELLED", "PERMISSION_DENIED"] as const) {
      assert.equal(countsAsFailure({ latencyMs: 0, ok: false, code }), false, code);
    }
    assert.equal(countsAsFailure({ latencyMs: 0, ok: false }), true, "no code counts as UNKNOWN");
    assert.equal(countsAsFailure(OK), false);
    const { d } = detector(["a", "b"], { isFailure: (o) => o.code === "NOT_FOUND", consecutiveFailures: 2 });
    d.record("a", FAIL);
    d.record("a", FAIL);
    assert.equal(d.isEjected("a"), false);
    d.record("a", { latencyMs: 0, ok: false, code: "NOT_FOUND" });
    d.record("a", { latencyMs: 0, ok: false, code: "NOT_FOUND" });
    assert.equal(d.isEjected("a"), true);
  });

  test("at most half the pool is ejected at once, but one always may be (pools of 1, 2, 3, 4)", () => {
    for (const [size, most] of [
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 2],
    ] as const) {
      const ids = ["a", "b", "c", "d"].slice(0, size);
      const { d, fail } = detector(ids);
      for (const id of ids) fail(id);
      assert.equal(ids.filter((id) => d.isEjected(id)).length, most, `pool of ${size}`);
    }
  });

  test("one held back by the quota is ejected on its next failure once room frees up", () => {
    const { clock, d, fail } = detector(["a", "b"]);
    fail("a");
    fail("b");
    assert.equal(d.isEjected("b"), false);
    clock.advance(30_000);
    fail("b", 1);
    assert.equal(d.isEjected("b"), true);
  });

  test("outcomes while ejected are ignored; a removed endpoint's timer is cancelled without a return event", () => {
    const { clock, d, events, fail } = detector(["a", "b"]);
    fail("a");
    fail("a", 20);
    assert.equal(events.length, 1);
    assert.equal(clock.pending, 1);
    d.setEndpoints(["b"]);
    assert.equal(clock.pending, 0);
    clock.advance(60_000);
    assert.equal(events.length, 1);
  });
});

describe("ejection in the balancer", () => {
  test("an ejected replica gets no picks until it returns, and the events reach subscribers", () => {
    const clock = new FakeClock(0);
    const b = new AgentBalancer({
      name: "codex",
      strategy: "round_robin",
      endpoints: endpoints(undefined, undefined),
      clock,
      random: seededRandom(1),
    });
    const events: string[] = [];
    b.subscribe((e) => events.push(`${e.type}:${"endpoint" in e ? e.endpoint : ""}@${e.at}`));
    for (let i = 0; i < 5; i++) {
      b.onStart("a");
      b.onFinish("a", FAIL);
    }
    const picks = () =>
      tally(Array.from({ length: 4 }, () => b.pickEndpoint(undefined, new Set()) ?? "none"));
    assert.deepEqual(picks(), { b: 4 });
    clock.advance(30_000);
    assert.deepEqual(picks(), { a: 2, b: 2 });
    assert.deepEqual(events, ["ejected:a@0", "returned:a@30000"]);
    b.close();
  });

  test("close() cancels the return timers", () => {
    const clock = new FakeClock(0);
    const b = new AgentBalancer({ name: "codex", endpoints: endpoints(undefined, undefined), clock });
    for (let i = 0; i < 5; i++) b.onFinish("a", FAIL);
    assert.equal(clock.pending, 1);
    b.close();
    assert.equal(clock.pending, 0);
  });
});
