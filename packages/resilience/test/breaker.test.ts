import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type AgentResponse, type Code, FakeClock, type StreamEvent, SynapseError } from "@synapse/core";
import {
  BreakerRegistry,
  type BreakerStateChange,
  breakerInterceptor,
  type CircuitBreaker,
  RESILIENCE_DEFAULTS,
  resolveOptions,
} from "../src/index.js";
import { collect, deferred, fakeNext, request, response, streaming, unary } from "./helpers/fakes.js";

const EP = "127.0.0.1:5001";

function setup(breaker: Parameters<typeof resolveOptions>[0] = {}) {
  const clock = new FakeClock();
  const changes: BreakerStateChange[] = [];
  const registry = new BreakerRegistry(resolveOptions(breaker).breaker, clock, (c) => changes.push(c));
  let calls = 0;
  /** What the fake endpoint does with the next call: answer, fail with a code, or wait on a promise. */
  let behaviour: () => Promise<AgentResponse> = async () => response(request());
  const next = breakerInterceptor(registry)(
    fakeNext({
      unary: () => {
        calls++;
        return behaviour();
      },
      stream: async function* (call) {
        calls++;
        yield { type: "chunk", streamId: "s", seq: 1, text: "a" } satisfies StreamEvent;
        await behaviour();
        yield { type: "final", streamId: "s", lastSeq: 1, hash: "", response: response(call.request) };
      },
    }),
  );
  const failWith = (code: Code) => {
    behaviour = async () => {
      throw new SynapseError(code, code);
    };
  };
  const succeed = () => {
    behaviour = async () => response(request());
  };
  const invoke = (extra: Parameters<typeof unary>[1] = {}) =>
    next(unary(request(), { endpoint: EP, ...extra })).then(
      () => "ok" as const,
      (err: unknown) => err as SynapseError,
    );
  return {
    clock,
    changes,
    breaker: (): CircuitBreaker => registry.get(EP),
    calls: () => calls,
    next,
    failWith,
    succeed,
    invoke,
    setBehaviour: (b: () => Promise<AgentResponse>) => {
      behaviour = b;
    },
  };
}

async function openIt(s: ReturnType<typeof setup>) {
  s.failWith("UNAVAILABLE");
  for (let i = 0; i < RESILIENCE_DEFAULTS.breaker.consecutiveFailures; i++) await s.invoke();
  assert.equal(s.breaker().state.kind, "OPEN");
}

describe("circuit breaker", () => {
  test("the K-th consecutive failure opens it, and the change is emitted", async () => {
    const s = setup();
    s.failWith("UNAVAILABLE");
    for (let i = 1; i < 5; i++) {
      await s.invoke();
      assert.equal(s.breaker().state.kind, "CLOSED", `after ${i} failures`);
    }
    await s.invoke();
    assert.equal(s.breaker().state.kind, "OPEN");
    assert.deepEqual(s.changes, [{ endpoint: EP, from: "CLOSED", to: "OPEN", at: s.clock.now() }]);
  });

  test("a success in between resets the consecutive count", async () => {
    const s = setup();
    for (let round = 0; round < 3; round++) {
      s.failWith("INTERNAL");
      for (let i = 0; i < 4; i++) await s.invoke();
      s.succeed();
      await s.invoke();
    }
    assert.equal(s.breaker().state.kind, "CLOSED");
  });

  test("while open, calls fail fast with UNAVAILABLE and the endpoint sees none", async () => {
    const s = setup();
    await openIt(s);
    const before = s.calls();
    s.clock.advance(1_000);
    const err = await s.invoke();
    assert.ok(err instanceof SynapseError);
    assert.equal(err.code, "UNAVAILABLE");
    assert.equal(err.message.startsWith(`circuit open for ${EP}; retry after 4000 ms`), true, err.message);
    assert.equal(err.retryAfterMs, undefined, "not server pushback: the retry layer must not wait on it");
    assert.equal(s.calls(), before);
  });

  test("50 concurrent calls in HALF_OPEN produce exactly one probe; a good probe closes it", async () => {
    const s = setup();
    await openIt(s);
    s.clock.advance(5_000);
    assert.equal(s.breaker().state.kind, "HALF_OPEN");
    const probe = deferred<AgentResponse>();
    s.setBehaviour(() => probe.promise);
    const before = s.calls();
    const results = Array.from({ length: 50 }, () => s.invoke());
    await new Promise((r) => setImmediate(r));
    assert.equal(s.calls() - before, 1);
    probe.resolve(response(request()));
    const outcomes = await Promise.all(results);
    assert.equal(outcomes.filter((o) => o === "ok").length, 1);
    assert.equal(outcomes.filter((o) => o instanceof SynapseError && o.code === "UNAVAILABLE").length, 49);
    assert.equal(s.breaker().state.kind, "CLOSED");
    assert.deepEqual(
      s.changes.map((c) => `${c.from}>${c.to}`),
      ["CLOSED>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>CLOSED"],
    );
  });

  test("a failed probe reopens it for a longer period (×2, capped at 60 s); a close resets the period", async () => {
    const s = setup();
    await openIt(s);
    const periods: number[] = [];
    for (let i = 0; i < 6; i++) {
      const state = s.breaker().state;
      assert.equal(state.kind, "OPEN");
      if (state.kind !== "OPEN") return;
      periods.push(state.until - state.since);
      s.clock.advance(state.until - state.since - 1);
      assert.equal(s.breaker().state.kind, "OPEN", "still open 1 ms before the period ends");
      s.clock.advance(1);
      await s.invoke(); // the probe, which fails
    }
    assert.deepEqual(periods, [5_000, 10_000, 20_000, 40_000, 60_000, 60_000]);
    s.clock.advance(60_000);
    s.succeed();
    assert.equal(await s.invoke(), "ok");
    assert.equal(s.breaker().state.kind, "CLOSED");
    await openIt(s);
    const state = s.breaker().state;
    assert.ok(state.kind === "OPEN" && state.until - state.since === 5_000);
  });

  test("opens on a failure rate ≥ 50 % once the window holds 20 calls, without 5 in a row", async () => {
    const s = setup();
    for (let i = 1; i <= 20; i++) {
      if (i % 2 === 1) s.failWith("UNAVAILABLE");
      else s.succeed();
      await s.invoke();
      s.clock.advance(100);
      if (i < 20) assert.equal(s.breaker().state.kind, "CLOSED", `call ${i}`);
    }
    assert.equal(s.breaker().state.kind, "OPEN");
  });

  test("a rate under the threshold, or failures older than the window, do not open it", async () => {
    const s = setup();
    // 9 failures in 20 calls: 45 %.
    for (let i = 1; i <= 20; i++) {
      if (i % 2 === 1 && i < 19) s.failWith("UNAVAILABLE");
      else s.succeed();
      await s.invoke();
    }
    assert.equal(s.breaker().state.kind, "CLOSED");
    // 10 more failures (alternating) after the old calls left the 10 s window: 10 calls < 20.
    s.clock.advance(11_000);
    for (let i = 1; i <= 19; i++) {
      if (i % 2 === 1) s.failWith("UNAVAILABLE");
      else s.succeed();
      await s.invoke();
    }
    assert.equal(s.breaker().state.kind, "CLOSED");
  });

  test("non-failure codes and caller cancellations do not count", async () => {
    const s = setup();
    for (const code of [
      "INVALID_ARGUMENT",
      "NOT_FOUND",
      "UNAUTHENTICATED",
      "PERMISSION_DENIED",
      "FAILED_PRECONDITION",
      "CANCELLED",
    ] as const) {
      s.failWith(code);
      for (let i = 0; i < 6; i++) await s.invoke();
    }
    const aborted = new AbortController();
    aborted.abort();
    s.failWith("UNAVAILABLE");
    for (let i = 0; i < 6; i++) await s.invoke({ signal: aborted.signal });
    assert.equal(s.breaker().state.kind, "CLOSED");
    assert.equal(s.changes.length, 0);
  });

  test("failure codes are configurable", async () => {
    const s = setup({ breaker: { failureCodes: ["NOT_FOUND"] } });
    s.failWith("UNAVAILABLE");
    for (let i = 0; i < 6; i++) await s.invoke();
    assert.equal(s.breaker().state.kind, "CLOSED");
    s.failWith("NOT_FOUND");
    for (let i = 0; i < 5; i++) await s.invoke();
    assert.equal(s.breaker().state.kind, "OPEN");
  });

  test("a stream's outcome counts when it ends: failing mid-way is a failure, completing a success", async () => {
    const s = setup();
    s.failWith("UNAVAILABLE");
    for (let i = 0; i < 5; i++) {
      const out = await s.next(streaming(request(), { endpoint: EP }));
      assert.equal(s.breaker().state.kind, "CLOSED", "not decided before the stream ends");
      await assert.rejects(collect(out.events), /UNAVAILABLE/);
    }
    assert.equal(s.breaker().state.kind, "OPEN");
    s.clock.advance(5_000);
    s.succeed();
    const out = await s.next(streaming(request(), { endpoint: EP }));
    assert.equal((await collect(out.events)).length, 2);
    assert.equal(s.breaker().state.kind, "CLOSED");
  });

  test("a probe stream the consumer abandons frees the probe slot", async () => {
    const s = setup();
    await openIt(s);
    s.clock.advance(5_000);
    s.succeed();
    const out = await s.next(streaming(request(), { endpoint: EP }));
    for await (const _ of out.events) break;
    assert.equal(s.breaker().state.kind, "HALF_OPEN");
    assert.equal(await s.invoke(), "ok");
    assert.equal(s.breaker().state.kind, "CLOSED");
  });
});
