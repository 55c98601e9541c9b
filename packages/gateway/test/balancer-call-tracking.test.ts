import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type AgentResponse,
  type Call,
  type CallOutput,
  type Next,
  type StreamEvent,
  SynapseError,
} from "@synapse/core";
import { AgentBalancer, type CallOutcome, trackCalls } from "../src/balancer/index.js";
import { endpoints, FakeClock } from "./balancer-fakes.js";

const RESPONSE: AgentResponse = {
  agent: "claude",
  action: "plan",
  result: {},
  text: "ok",
  usage: { inputTokens: 1, outputTokens: 1 },
  provider: "sim",
  model: "sim",
  latencyMs: 1,
};

function setup() {
  const clock = new FakeClock(0);
  const outcomes: [string, CallOutcome][] = [];
  const balancer = new AgentBalancer({
    name: "claude",
    endpoints: endpoints(undefined, undefined),
    clock,
    outlierDetection: false,
    // A strategy that records what it is told, to see the outcomes the interceptor reports.
    strategy: () => ({
      choose: (candidates) => candidates[0]!,
      setEndpoints: () => {},
      onFinish: (id, outcome) => outcomes.push([id, outcome]),
    }),
  });
  const active = () => balancer.status().map((s) => s.active);
  const intercept = trackCalls((agent) => (agent === "claude" ? balancer : undefined), clock);
  return { clock, balancer, outcomes, active, intercept };
}

function call<S extends boolean>(stream: S, endpoint?: string) {
  return {
    stream,
    request: { agent: "claude" as const, action: "plan" as const, input: { task: "x" } },
    signal: new AbortController().signal,
    deadline: undefined,
    metadata: {},
    ...(endpoint === undefined ? {} : { endpoint }),
  };
}

describe("call tracking interceptor", () => {
  test("a unary call counts as active while in flight and reports its latency", async () => {
    const { clock, outcomes, active, intercept } = setup();
    let during: number[] = [];
    const next = (async <C extends Call>(_call: C) => {
      during = active();
      clock.advance(42);
      return { stream: false, response: RESPONSE } as CallOutput<C>;
    }) as Next;
    await intercept(next)(call(false, "b"));
    assert.deepEqual(during, [0, 1]);
    assert.deepEqual(active(), [0, 0]);
    assert.deepEqual(outcomes, [["b", { latencyMs: 42, ok: true }]]);
  });

  test("a failed call reports its code and the error goes on unchanged", async () => {
    const { clock, outcomes, intercept } = setup();
    const error = new SynapseError("DEADLINE_EXCEEDED", "too slow");
    const next = (async () => {
      clock.advance(7);
      throw error;
    }) as Next;
    await assert.rejects(intercept(next)(call(false, "a")), (err) => err === error);
    assert.deepEqual(outcomes, [["a", { latencyMs: 7, ok: false, code: "DEADLINE_EXCEEDED" }]]);
  });

  test("a stream reports time to first event, and finishes when it ends", async () => {
    const { clock, outcomes, active, intercept } = setup();
    async function* events(): AsyncGenerator<StreamEvent> {
      clock.advance(30);
      yield { type: "chunk", streamId: "s", seq: 1, text: "a" };
      clock.advance(500);
      yield { type: "chunk", streamId: "s", seq: 2, text: "b" };
    }
    const next = (async () => ({ stream: true, events: events() })) as unknown as Next;
    const out = await intercept(next)(call(true, "a"));
    const seen: number[] = [];
    for await (const event of out.events) if (event.type === "chunk") seen.push(event.seq);
    assert.deepEqual(seen, [1, 2]);
    assert.deepEqual(outcomes, [["a", { latencyMs: 30, ok: true }]]);
    assert.deepEqual(active(), [0, 0]);
  });

  test("a stream failing mid-way reports the failure; one abandoned by the consumer counts as ok", async () => {
    const { outcomes, active, intercept } = setup();
    async function* failing(): AsyncGenerator<StreamEvent> {
      yield { type: "chunk", streamId: "s", seq: 1, text: "a" };
      throw new SynapseError("UNAVAILABLE", "replica went away");
    }
    const next = (async () => ({ stream: true, events: failing() })) as unknown as Next;
    const out = await intercept(next)(call(true, "a"));
    await assert.rejects(async () => {
      for await (const _ of out.events) {
        // drain
      }
    });
    const again = await intercept(next)(call(true, "b"));
    for await (const _ of again.events) break;
    assert.deepEqual(
      outcomes.map(([id, o]) => [id, o.ok, o.code]),
      [
        ["a", false, "UNAVAILABLE"],
        ["b", true, undefined],
      ],
    );
    assert.deepEqual(active(), [0, 0]);
  });

  test("calls without an endpoint, or for another agent, pass through untracked", async () => {
    const { outcomes, intercept } = setup();
    const next = (async <C extends Call>() =>
      ({ stream: false, response: RESPONSE }) as CallOutput<C>) as Next;
    await intercept(next)(call(false));
    await intercept(next)({ ...call(false, "a"), request: { agent: "codex", action: "execute", input: {} } });
    assert.deepEqual(outcomes, []);
  });
});
