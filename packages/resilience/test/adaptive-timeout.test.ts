import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type AgentResponse, FakeClock, type StreamEvent, SynapseError } from "@synapse/core";
import {
  AdaptiveTimeouts,
  adaptiveTimeoutInterceptor,
  LatencyTracker,
  ResilienceEvents,
  resolveOptions,
  type TimeoutEvent,
  type TimeoutKey,
  type TimeoutOptions,
} from "../src/index.js";
import { deferred, fakeNext, request, response, streaming, unary } from "./helpers/fakes.js";

const KEY: TimeoutKey = { agent: "claude", action: "plan", endpoint: "a" };
const options = (o: Partial<TimeoutOptions> = {}) => resolveOptions({ timeout: o }).timeout;

/** RFC 6298 and the nearest-rank p99, computed independently of the code under test. */
function oracle(samples: number[], o: TimeoutOptions, remaining = Number.POSITIVE_INFINITY): number {
  let srtt = 0;
  let rttvar = 0;
  samples.forEach((r, i) => {
    if (i === 0) {
      srtt = r;
      rttvar = r / 2;
    } else {
      rttvar = 0.75 * rttvar + 0.25 * Math.abs(srtt - r);
      srtt = 0.875 * srtt + 0.125 * r;
    }
  });
  const window = samples.slice(-o.windowSize).sort((a, b) => a - b);
  const p99 = window[Math.ceil(0.99 * window.length) - 1] ?? 0;
  const raw = Math.max(p99 * 1.5, srtt + 4 * rttvar);
  return Math.min(Math.max(raw, o.floorMs), Math.min(o.ceilingMs, remaining));
}

describe("adaptive timeout budget", () => {
  test("equals clamp(max(p99·1.5, SRTT + 4·RTTVAR), floor, min(ceiling, remaining)) on synthetic samples", () => {
    const o = options({ floorMs: 0, ceilingMs: 1e9 });
    const t = new AdaptiveTimeouts(o);
    const samples = Array.from({ length: 300 }, (_, i) => 100 + ((i * 37) % 101) + (i % 50 === 0 ? 900 : 0));
    for (const s of samples) t.record("unary", KEY, s);
    const expected = oracle(samples, o);
    assert.ok(Math.abs(t.budget("unary", KEY) - expected) < 1e-9, `${t.budget("unary", KEY)} vs ${expected}`);
    // Steady samples: the variance term dominates nothing, so p99 · 1.5 wins.
    const steady = new AdaptiveTimeouts(o);
    for (let i = 0; i < 200; i++) steady.record("unary", KEY, 200);
    assert.equal(steady.budget("unary", KEY), 300);
  });

  test("budgetOf on a phase's tracker is that phase's budget, and the tracker is the one budget reads", () => {
    const o = options({ floorMs: 0, ceilingMs: 1e9 });
    const t = new AdaptiveTimeouts(o);
    const gap = t.tracker("gap", KEY);
    for (let i = 0; i < 100; i++) gap.record(3 + (i % 7));
    assert.equal(t.budgetOf("gap", gap), t.budget("gap", KEY));
    assert.equal(t.budgetOf("gap", gap, 2), t.budget("gap", KEY, 2));
    assert.notEqual(
      t.budget("gap", KEY),
      t.budget("first_chunk", KEY),
      "each phase keeps its own statistics",
    );
  });

  test("SRTT and RTTVAR follow RFC 6298 (α = 1/8, β = 1/4)", () => {
    const t = new LatencyTracker();
    t.record(100);
    assert.deepEqual([t.srtt, t.rttvar], [100, 50]);
    t.record(200);
    assert.deepEqual([t.srtt, t.rttvar], [112.5, 62.5]);
  });

  test("respects the floor, the ceiling and the remaining deadline", () => {
    const o = options({ floorMs: 1_000, ceilingMs: 10_000 });
    const fast = new AdaptiveTimeouts(o);
    const slow = new AdaptiveTimeouts(o);
    for (let i = 0; i < 100; i++) {
      fast.record("unary", KEY, 5);
      slow.record("unary", KEY, 60_000);
    }
    assert.equal(fast.budget("unary", KEY), 1_000);
    assert.equal(slow.budget("unary", KEY), 10_000);
    assert.equal(slow.budget("unary", KEY, 2_500), 2_500);
    assert.equal(fast.budget("unary", KEY, 300), 300, "the caller's deadline wins over the floor");
  });

  test("stays at the static default until minSamples latencies are known", () => {
    const t = new AdaptiveTimeouts(options({ defaultMs: 7_000, floorMs: 0 }));
    for (let i = 0; i < 99; i++) t.record("unary", KEY, 100);
    assert.equal(t.budget("unary", KEY), 7_000);
    t.record("unary", KEY, 100);
    assert.equal(t.budget("unary", KEY), 150);
  });

  test("follows a step change in latency within one window (1,000 samples)", () => {
    const o = options({ floorMs: 0, ceilingMs: 1e9 });
    const t = new AdaptiveTimeouts(o);
    for (let i = 0; i < 1_000; i++) t.record("unary", KEY, 1_000);
    assert.equal(t.budget("unary", KEY), 1_500);
    for (let i = 0; i < 500; i++) t.record("unary", KEY, 100);
    assert.equal(
      t.tracker("unary", KEY).percentile(0.99),
      1_000,
      "half a window later the old latency still shows",
    );
    for (let i = 0; i < 500; i++) t.record("unary", KEY, 100);
    assert.equal(t.tracker("unary", KEY).percentile(0.99), 100);
    assert.ok(t.budget("unary", KEY) <= 150 + 1e-6, `budget ${t.budget("unary", KEY)}`);
    // A step up shows within a handful of samples (the top 1 %).
    for (let i = 0; i < 11; i++) t.record("unary", KEY, 2_000);
    assert.equal(t.tracker("unary", KEY).percentile(0.99), 2_000);
  });

  test("keys are separate per endpoint and per phase", () => {
    const t = new AdaptiveTimeouts(options({ floorMs: 0, minSamples: 5 }));
    // Enough steady samples that the variance term has decayed and p99 · 1.5 decides.
    for (let i = 0; i < 40; i++) {
      t.record("first_chunk", KEY, 400);
      t.record("gap", KEY, 20);
    }
    assert.equal(t.budget("first_chunk", KEY), 600);
    assert.equal(t.budget("gap", KEY), 30);
    assert.equal(t.budget("gap", { ...KEY, endpoint: "b" }), options().gapDefaultMs);
  });
});

function setup(o: Partial<TimeoutOptions> = {}) {
  const clock = new FakeClock();
  const events = new ResilienceEvents();
  const timeouts: TimeoutEvent[] = [];
  events.on("timeout", (e) => timeouts.push(e));
  const store = new AdaptiveTimeouts(options({ floorMs: 0, ...o }));
  const seen: AbortSignal[] = [];
  const deadlines: (number | undefined)[] = [];
  let behaviour: () => Promise<AgentResponse> = () => new Promise<AgentResponse>(() => {});
  let streamEvents: () => AsyncIterable<StreamEvent> = () => ({
    [Symbol.asyncIterator]: () => ({ next: () => new Promise(() => {}) }),
  });
  const next = adaptiveTimeoutInterceptor({ timeouts: store, clock, events })(
    fakeNext({
      unary: (call) => {
        seen.push(call.signal);
        deadlines.push(call.deadline);
        return behaviour();
      },
      stream: (call) => {
        seen.push(call.signal);
        return streamEvents();
      },
    }),
  );
  return {
    clock,
    timeouts,
    store,
    seen,
    deadlines,
    next,
    setBehaviour: (b: () => Promise<AgentResponse>) => {
      behaviour = b;
    },
    setStream: (s: () => AsyncIterable<StreamEvent>) => {
      streamEvents = s;
    },
  };
}

/** A stream the test feeds by hand: `push` an event, `end` it. */
function manualStream() {
  const queue: StreamEvent[] = [];
  let waiting: ((r: IteratorResult<StreamEvent>) => void) | undefined;
  const ended = false;
  const iterator: AsyncIterator<StreamEvent> = {
    next: () => {
      const e = queue.shift();
      if (e) return Promise.resolve({ done: false, value: e });
      if (ended) return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    return: async () => ({ done: true, value: undefined }),
  };
  let seq = 0;
  return {
    events: { [Symbol.asyncIterator]: () => iterator },
    push() {
      const e: StreamEvent = { type: "chunk", streamId: "s", seq: ++seq, text: "x" };
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w({ done: false, value: e });
      } else queue.push(e);
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("adaptive timeout interceptor", () => {
  test("a unary budget goes down as the attempt's deadline; exceeding it fails with DEADLINE_EXCEEDED", async () => {
    const s = setup({ defaultMs: 5_000 });
    let error: unknown;
    const started = s.clock.now();
    const p = s.next(unary(request(), { endpoint: "a", deadline: started + 60_000 })).catch((e: unknown) => {
      error = e;
    });
    assert.equal(s.deadlines[0], started + 5_000, "the transport cancels the request at the budget");
    s.clock.advance(4_999);
    await tick();
    assert.equal(error, undefined);
    s.clock.advance(1);
    await p;
    const err = error as unknown;
    assert.ok(err instanceof SynapseError && err.code === "DEADLINE_EXCEEDED", String(err));
    assert.match(err.message, /did not answer within 5000 ms \(adaptive timeout\)/);
    assert.equal(s.timeouts[0]?.phase, "unary");
    assert.equal(s.timeouts[0]?.budgetMs, 5_000);
    assert.equal(
      s.store.tracker("unary", { agent: "claude", action: "plan", endpoint: "a" }).count,
      1,
      "censored sample",
    );
  });

  test("the remaining deadline caps the budget, and such a timeout teaches nothing", async () => {
    const s = setup({ defaultMs: 5_000 });
    const p = s.next(unary(request(), { endpoint: "a", deadline: s.clock.now() + 300 }));
    const assertion = assert.rejects(
      p,
      (e: unknown) => e instanceof SynapseError && e.code === "DEADLINE_EXCEEDED",
    );
    s.clock.advance(300);
    await assertion;
    assert.equal(s.store.tracker("unary", KEY).count, 0);
    await assert.rejects(
      s.next(unary(request(), { endpoint: "a", deadline: s.clock.now() - 1 })),
      /deadline passed/,
    );
  });

  test("a successful call records its latency and clears its timer", async () => {
    const s = setup({ defaultMs: 5_000 });
    const d = deferred<AgentResponse>();
    s.setBehaviour(() => d.promise);
    const p = s.next(unary(request(), { endpoint: "a" }));
    s.clock.advance(1_234);
    d.resolve(response(request()));
    await p;
    assert.equal(s.store.tracker("unary", KEY).srtt, 1_234);
    assert.equal(s.clock.pending(), 0);
  });

  test("streams: separate budgets for the first chunk and the gaps, none on the total", async () => {
    const s = setup({ firstChunkDefaultMs: 1_000, gapDefaultMs: 200 });
    const m = manualStream();
    s.setStream(() => m.events);
    const out = await s.next(streaming(request(), { endpoint: "a" }));
    const it = out.events[Symbol.asyncIterator]();
    let r = it.next();
    s.clock.advance(900);
    m.push();
    assert.equal((await r).done, false);
    // Twenty gaps of 150 ms: 3 s in total, far past the first-chunk budget, and still fine.
    for (let i = 0; i < 20; i++) {
      r = it.next();
      s.clock.advance(150);
      m.push();
      assert.equal((await r).done, false);
    }
    r = it.next();
    const failed = assert.rejects(
      r,
      (e: unknown) => e instanceof SynapseError && e.code === "DEADLINE_EXCEEDED",
    );
    s.clock.advance(200);
    await failed;
    assert.equal(s.seen[0]?.aborted, true);
    assert.deepEqual(
      s.timeouts.map((t) => [t.phase, t.budgetMs]),
      [["gap", 200]],
    );
    const track = (phase: "first_chunk" | "gap") => s.store.tracker(phase, KEY);
    assert.equal(track("first_chunk").srtt, 900);
    assert.equal(track("gap").count, 21, "20 gaps of 150 ms + the censored 200 ms");
  });

  test("streams: no first chunk within its budget fails with DEADLINE_EXCEEDED (first_chunk)", async () => {
    const s = setup({ firstChunkDefaultMs: 1_000 });
    const m = manualStream();
    s.setStream(() => m.events);
    const out = await s.next(streaming(request(), { endpoint: "a" }));
    const r = out.events[Symbol.asyncIterator]().next();
    const failed = assert.rejects(r, /time to first chunk/);
    s.clock.advance(1_000);
    await failed;
    assert.equal(s.timeouts[0]?.phase, "first_chunk");
  });

  test("a transport that enforces the deadline first is this budget running out, learned as one", async () => {
    const s = setup({ defaultMs: 5_000 });
    // The transport's own deadline timer (armed before this layer's) fires first.
    s.setBehaviour(
      () =>
        new Promise<AgentResponse>((_, reject) => {
          s.clock.setTimeout(() => reject(new SynapseError("DEADLINE_EXCEEDED", "transport")), 5_000);
        }),
    );
    const p = s.next(unary(request(), { endpoint: "a" }));
    const assertion = assert.rejects(
      p,
      (e: unknown) => e instanceof SynapseError && /did not answer within 5000 ms/.test(e.message),
    );
    s.clock.advance(5_000);
    await assertion;
    assert.equal(s.timeouts.length, 1);
    assert.equal(s.store.tracker("unary", { agent: "claude", action: "plan", endpoint: "a" }).count, 1);
  });

  test("a service's own DEADLINE_EXCEEDED before the budget passes through untouched", async () => {
    const s = setup({ defaultMs: 5_000 });
    s.setBehaviour(() => Promise.reject(new SynapseError("DEADLINE_EXCEEDED", "the provider timed out")));
    await assert.rejects(s.next(unary(request(), { endpoint: "a" })), /the provider timed out/);
    assert.equal(s.timeouts.length, 0);
  });

  test("a unary attempt is cancelled through the caller's own signal", async () => {
    const s = setup({ defaultMs: 5_000 });
    const caller = new AbortController();
    const pending = s.next(unary(request(), { endpoint: "a", signal: caller.signal })).catch(() => {});
    assert.equal(s.seen[0], caller.signal, "nothing linked per attempt, nothing to release");
    caller.abort();
    assert.equal(s.seen[0]?.aborted, true);
    s.clock.advance(5_000);
    await pending;
  });
});
