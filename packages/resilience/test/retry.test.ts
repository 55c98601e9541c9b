import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Call, FakeClock, flushMicrotasks, type StreamEvent, SynapseError } from "@synapse/core";
import {
  type GiveUpEvent,
  type PickEndpoint,
  ResilienceEvents,
  type RetryOptions,
  resolveOptions,
  retryInterceptor,
  roundRobinPicker,
} from "../src/index.js";
import { AutoClock, collect, fakeNext, request, response, streaming, unary } from "./helpers/fakes.js";

function setup(
  behaviour: {
    unary?: (call: Call, n: number) => void;
    stream?: (call: Call, n: number) => AsyncIterable<StreamEvent>;
  },
  extra: { pickEndpoint?: PickEndpoint; retry?: Partial<RetryOptions> } = {},
) {
  const clock = new AutoClock();
  const events = new ResilienceEvents();
  const giveups: GiveUpEvent[] = [];
  events.on("giveup", (e) => giveups.push(e));
  const attempts: (string | undefined)[] = [];
  const next = retryInterceptor({
    options: resolveOptions({ retry: { throttle: false, ...extra.retry } }).retry,
    throttle: undefined,
    pickEndpoint: extra.pickEndpoint,
    clock,
    random: () => 0.5,
    events,
  })(
    fakeNext({
      unary: async (call) => {
        attempts.push(call.endpoint);
        behaviour.unary?.(call, attempts.length);
        return response(call.request, `from ${call.endpoint}`);
      },
      stream: (call) => {
        attempts.push(call.endpoint);
        return behaviour.stream?.(call, attempts.length) ?? (async function* () {})();
      },
    }),
  );
  return { clock, next, attempts, giveups };
}

const down = () => new SynapseError("UNAVAILABLE", "down");

describe("retry", () => {
  test("each attempt re-picks an endpoint, excluding the ones that failed in this call", async () => {
    const excludes: string[][] = [];
    const list = ["a", "b", "c"];
    const pick: PickEndpoint = (_call, exclude) => {
      excludes.push([...exclude]);
      return list.find((e) => !exclude.has(e)) ?? list[0];
    };
    const s = setup(
      {
        unary: (call) => {
          if (call.endpoint !== "c") throw down();
        },
      },
      { pickEndpoint: pick },
    );
    const out = await s.next(unary(request(), { avoidEndpoints: [] }));
    assert.ok(!out.stream && out.response.text === "from c");
    assert.equal(out.endpoint, "c");
    assert.deepEqual(s.attempts, ["a", "b", "c"]);
    assert.deepEqual(excludes, [[], ["a"], ["a", "b"]]);
  });

  test("the call's avoidEndpoints are excluded from the start", async () => {
    const seen: string[][] = [];
    const s = setup(
      {},
      {
        pickEndpoint: (_c, exclude) => {
          seen.push([...exclude]);
          return "b";
        },
      },
    );
    await s.next(unary(request(), { avoidEndpoints: ["a"] }));
    assert.deepEqual(seen, [["a"]]);
  });

  test("round robin skips excluded endpoints and falls back to any when all are excluded", () => {
    const pick = roundRobinPicker({ claude: ["a", "b", "c"] });
    const call = unary(request());
    assert.equal(pick(call, new Set(["a"])), "b");
    assert.equal(pick(call, new Set(["c", "a"])), "b");
    assert.ok(["a", "b", "c"].includes(pick(call, new Set(["a", "b", "c"])) ?? ""));
    assert.equal(pick(unary(request("gemini", "analyze")), new Set()), undefined);
  });

  test("the caller's deadline covers every attempt: no retry that cannot start before it", async () => {
    const s = setup({
      unary: () => {
        throw down();
      },
    });
    // Delays 100, 200, 400 …: attempts at t=0, 100, 300; the next would start at 700 > 350.
    await assert.rejects(s.next(unary(request(), { deadline: s.clock.now() + 350 })), /down/);
    assert.equal(s.attempts.length, 3);
    assert.deepEqual(s.clock.delays, [100, 200]);
    assert.equal(s.giveups[0]?.reason, "deadline");
  });

  test("a stream failing before its first event is retried", async () => {
    const s = setup({
      stream: (call, n) =>
        (async function* () {
          if (n === 1) throw down();
          yield { type: "chunk", streamId: "s", seq: 1, text: "a" } satisfies StreamEvent;
          yield {
            type: "final",
            streamId: "s",
            lastSeq: 1,
            hash: "",
            response: response(call.request),
          } satisfies StreamEvent;
        })(),
    });
    const out = await s.next(streaming(request()));
    assert.equal((await collect(out.events)).length, 2);
    assert.equal(s.attempts.length, 2);
  });

  test("a committed stream (a chunk delivered) is never retried", async () => {
    const s = setup({
      stream: () =>
        (async function* () {
          yield { type: "chunk", streamId: "s", seq: 1, text: "a" } satisfies StreamEvent;
          throw down();
        })(),
    });
    const out = await s.next(streaming(request()));
    const got: StreamEvent[] = [];
    await assert.rejects(
      (async () => {
        for await (const e of out.events) got.push(e);
      })(),
      /down/,
    );
    assert.equal(got.length, 1);
    assert.equal(s.attempts.length, 1);
  });

  test("a breaker's fail-fast rejection is retried at once on another endpoint", async () => {
    const s = setup(
      {
        unary: (call) => {
          if (call.endpoint === "a") {
            throw new SynapseError("UNAVAILABLE", "circuit open for a", {
              details: { reason: "circuit_open" },
            });
          }
        },
      },
      { pickEndpoint: roundRobinPicker({ claude: ["a", "b"] }) },
    );
    await s.next(unary(request()));
    assert.deepEqual(s.attempts, ["a", "b"]);
    assert.deepEqual(s.clock.delays, [], "no backoff: no request was sent");
  });

  test("a call its caller cancelled is not retried", async () => {
    const controller = new AbortController();
    const s = setup({
      unary: () => {
        controller.abort();
        throw down();
      },
    });
    await assert.rejects(s.next(unary(request(), { signal: controller.signal })), /down/);
    assert.equal(s.attempts.length, 1);
  });

  test("cancelling during the backoff stops at once with CANCELLED", async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    let attempts = 0;
    const next = retryInterceptor({
      options: resolveOptions().retry,
      throttle: undefined,
      clock,
      random: () => 0.5,
      events: new ResilienceEvents(),
    })(
      fakeNext({
        unary: async () => {
          attempts++;
          throw down();
        },
      }),
    );
    const result = assert.rejects(
      next(unary(request(), { signal: controller.signal })),
      (e: unknown) => e instanceof SynapseError && e.code === "CANCELLED",
    );
    await flushMicrotasks();
    assert.equal(clock.pending(), 1, "sleeping before the second attempt");
    controller.abort();
    await result;
    assert.equal(attempts, 1);
    assert.equal(clock.pending(), 0, "the backoff timer was cancelled");
  });
});
