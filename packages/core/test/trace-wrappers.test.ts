import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { AgentResponse, StreamEvent } from "../src/contract.js";
import { SynapseError } from "../src/errors.js";
import type { AgentHandler, CallContext } from "../src/handler.js";
import type { Call, CallOutput, Next } from "../src/interceptor.js";
import {
  type TraceableProvider,
  traceAttempts,
  traceEvents,
  traceHandler,
  traceProvider,
} from "../src/trace-wrappers.js";
import { NO_TRACING, type Tracing } from "../src/tracing.js";
import { RecordingTracing } from "./recording-tracing.js";

type PCall = { agent: string; action: string; fail?: boolean };
type PEvent =
  | { type: "text"; text: string }
  | { type: "done"; usage: { inputTokens: number; outputTokens: number } };

const provider: TraceableProvider<PCall, PEvent> = {
  name: "sim",
  model: "sim-1",
  async *stream(call) {
    yield { type: "text", text: "a" };
    if (call.fail) throw new SynapseError("UNAVAILABLE", "provider down");
    yield { type: "text", text: "b" };
    yield { type: "done", usage: { inputTokens: 3, outputTokens: 2 } };
  },
};

const response = (text: string): AgentResponse => ({
  agent: "claude",
  action: "plan",
  result: {},
  text,
  usage: { inputTokens: 3, outputTokens: 2 },
  provider: "sim",
  model: "sim-1",
  latencyMs: 1,
});

/** A service core in miniature: calls its provider inside each call, like AgentService. */
function fakeHandler(tracing: Tracing, state = { cleanedUp: 0 }): AgentHandler {
  const p = traceProvider(tracing, provider);
  return {
    describe: () => ({
      agent: "claude",
      actions: [],
      provider: "sim",
      model: "sim-1",
      isolation: "none",
      replica: 1,
      version: "0",
    }),
    health: () => "SERVING",
    async invoke(request) {
      let text = "";
      for await (const e of p.stream({
        agent: "claude",
        action: request.action,
        fail: request.input.fail === true,
      }))
        if (e.type === "text") text += e.text;
      return response(text);
    },
    async *stream(request) {
      try {
        let seq = 0;
        for await (const e of p.stream({
          agent: "claude",
          action: request.action,
          fail: request.input.fail === true,
        })) {
          if (e.type === "text") yield { type: "chunk", streamId: "s1", seq: ++seq, text: e.text };
        }
        yield { type: "final", streamId: "s1", lastSeq: seq, hash: "h", response: response("ab") };
      } finally {
        state.cleanedUp++;
      }
    },
    async *resume() {
      yield { type: "chunk", streamId: "s1", seq: 2, text: "b" };
    },
  };
}

const ctx = (metadata: Record<string, string> = {}): CallContext => ({
  signal: new AbortController().signal,
  deadline: undefined,
  metadata,
});

const request = (fail = false) => ({
  agent: "claude" as const,
  action: "plan" as const,
  input: { task: "t", fail },
  requestId: "r1",
});

async function drain<T>(events: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const e of events) out.push(e);
  return out;
}

describe("tracing off", () => {
  test("every wrapper returns what it was given", () => {
    const handler = fakeHandler(NO_TRACING);
    assert.equal(traceHandler(NO_TRACING, handler), handler);
    assert.equal(traceProvider(NO_TRACING, provider), provider);
    const next: Next = async () => {
      throw new Error("unused");
    };
    assert.equal(traceAttempts(NO_TRACING)(next), next);
  });
});

describe("service spans", () => {
  test("invoke continues the caller's trace and holds the provider span", async () => {
    const tracing = new RecordingTracing();
    const handler = traceHandler(tracing, fakeHandler(tracing));
    const caller = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const answer = await handler.invoke(request(), ctx({ traceparent: caller }));
    assert.equal(answer.text, "ab");
    const call = tracing.only("invoke claude");
    assert.equal(call.kind, "server");
    assert.equal(call.remoteParent, caller);
    assert.deepEqual(call.attributes, {
      "rpc.method": "invoke",
      "synapse.agent": "claude",
      "synapse.replica": 1,
      "synapse.action": "plan",
      "synapse.request_id": "r1",
    });
    assert.ok(call.ended && call.errorCode === undefined);
    const p = tracing.only("provider sim");
    assert.equal(p.parent, call);
    assert.equal(p.kind, "client");
    assert.equal(p.attributes["gen_ai.usage.input_tokens"], 3);
    assert.equal(p.attributes["gen_ai.usage.output_tokens"], 2);
    assert.equal(p.attributes["gen_ai.request.model"], "sim-1");
  });

  test("a provider's own complete() is kept and traced; one without it gets none", async () => {
    const tracing = new RecordingTracing();
    const usage = { inputTokens: 7, outputTokens: 5 };
    const whole = { ...provider, complete: async () => ({ text: "ab", usage }) };
    const traced = traceProvider(tracing, whole);
    assert.deepEqual(await traced.complete?.({ agent: "claude", action: "plan" }), { text: "ab", usage });
    const span = tracing.only("provider sim");
    assert.equal(span.attributes["gen_ai.usage.output_tokens"], 5);
    assert.ok(span.ended && span.errorCode === undefined);
    assert.equal(traceProvider(tracing, provider).complete, undefined);
  });

  test("a failed call ends both spans with the error's code", async () => {
    const tracing = new RecordingTracing();
    const handler = traceHandler(tracing, fakeHandler(tracing));
    await assert.rejects(handler.invoke(request(true), ctx()), { code: "UNAVAILABLE" });
    assert.equal(tracing.only("invoke claude").errorCode, "UNAVAILABLE");
    assert.equal(tracing.only("provider sim").errorCode, "UNAVAILABLE");
    assert.equal(tracing.only("invoke claude").remoteParent, undefined);
  });

  test("a stream's span ends at its final event, with the provider span inside it", async () => {
    const tracing = new RecordingTracing();
    const handler = traceHandler(tracing, fakeHandler(tracing));
    const events = handler.stream(request(), ctx())[Symbol.asyncIterator]();
    assert.equal((await events.next()).value?.type, "chunk");
    assert.equal(tracing.only("stream claude").ended, false);
    assert.equal((await events.next()).value?.type, "chunk");
    assert.equal((await events.next()).value?.type, "final");
    // Ended at the final event, before the consumer asks for the end of the stream.
    assert.ok(tracing.only("stream claude").ended);
    assert.equal(tracing.only("stream claude").errorCode, undefined);
    assert.equal((await events.next()).done, true);
    assert.equal(tracing.only("provider sim").parent, tracing.only("stream claude"));
  });

  test("a consumer that stops early cancels the span and stops the stream under it", async () => {
    const tracing = new RecordingTracing();
    const state = { cleanedUp: 0 };
    const handler = traceHandler(tracing, fakeHandler(tracing, state));
    for await (const _ of handler.stream(request(), ctx())) break;
    assert.equal(state.cleanedUp, 1);
    assert.equal(tracing.only("stream claude").errorCode, "CANCELLED");
  });

  test("a failing stream and a resume", async () => {
    const tracing = new RecordingTracing();
    const handler = traceHandler(tracing, fakeHandler(tracing));
    await assert.rejects(drain(handler.stream(request(true), ctx())), { code: "UNAVAILABLE" });
    assert.equal(tracing.only("stream claude").errorCode, "UNAVAILABLE");
    const resumed = await drain(handler.resume("s1", 1, ctx({ traceparent: "tp" })));
    assert.equal(resumed.length, 1);
    const span = tracing.only("resume claude");
    assert.equal(span.attributes["synapse.stream_id"], "s1");
    assert.equal(span.remoteParent, "tp");
    assert.ok(span.ended && span.errorCode === undefined);
  });

  test("health and describe pass through untraced", () => {
    const tracing = new RecordingTracing();
    const handler = traceHandler(tracing, fakeHandler(tracing));
    assert.equal(handler.health(), "SERVING");
    assert.equal(handler.describe().agent, "claude");
    assert.equal(tracing.spans.length, 0);
  });
});

describe("upstream attempt spans", () => {
  const call = (stream: boolean): Call =>
    ({
      stream,
      request: request(),
      signal: new AbortController().signal,
      deadline: undefined,
      metadata: { "x-request-id": "r1" },
      endpoint: "claude#0",
    }) as Call;

  test("each attempt is a child of the active span and sends its own traceparent", async () => {
    const tracing = new RecordingTracing();
    const sent: Record<string, string>[] = [];
    const transport = (async (c: Call) => {
      sent.push(c.metadata);
      return { stream: false, response: response("x") };
    }) as Next;
    const next = traceAttempts(tracing)(transport);
    const gatewayRequest = tracing.startSpan("POST /api/v1/claude/plan", { kind: "server" });
    const original = call(false);
    await gatewayRequest.run(async () => {
      await next(original);
      await next(original);
    });
    const attempts = tracing.spans.filter((s) => s.name === "attempt claude.plan");
    assert.equal(attempts.length, 2);
    for (const [i, attempt] of attempts.entries()) {
      assert.equal(attempt.kind, "client");
      assert.equal(attempt.parent, tracing.only("POST /api/v1/claude/plan"));
      assert.equal(attempt.attributes["synapse.replica"], "claude#0");
      assert.ok(attempt.ended && attempt.errorCode === undefined);
      assert.deepEqual(sent[i], { "x-request-id": "r1", traceparent: attempt.traceparent });
    }
    assert.notEqual(sent[0]?.traceparent, sent[1]?.traceparent);
    assert.deepEqual(original.metadata, { "x-request-id": "r1" }, "the caller's metadata is not changed");
  });

  test("a failed attempt and a streamed one", async () => {
    const tracing = new RecordingTracing();
    const failing = traceAttempts(tracing)((async () => {
      throw new SynapseError("DEADLINE_EXCEEDED", "slow");
    }) as Next);
    await assert.rejects(failing(call(false)), { code: "DEADLINE_EXCEEDED" });
    assert.equal(tracing.only("attempt claude.plan").errorCode, "DEADLINE_EXCEEDED");

    const streamed = new RecordingTracing();
    const events: StreamEvent[] = [
      { type: "chunk", streamId: "s", seq: 1, text: "a" },
      { type: "final", streamId: "s", lastSeq: 1, hash: "h", response: response("a") },
    ];
    const next = traceAttempts(streamed)((async () => ({
      stream: true,
      events: (async function* () {
        yield* events;
      })(),
    })) as Next);
    const output = (await next(call(true))) as CallOutput<Call & { stream: true }>;
    assert.equal(streamed.only("attempt claude.plan").ended, false, "open while the stream runs");
    assert.deepEqual(await drain(output.events), events);
    assert.equal(streamed.only("attempt claude.plan").attributes["synapse.stream"], true);
    assert.ok(streamed.only("attempt claude.plan").ended);
  });
});

describe("traceEvents", () => {
  test("a source that throws ends the span with its error", async () => {
    const tracing = new RecordingTracing();
    const span = tracing.startSpan("s");
    const source = (async function* () {
      yield 1;
      throw new SynapseError("DATA_LOSS", "gone");
    })();
    await assert.rejects(drain(traceEvents(span, source)), { code: "DATA_LOSS" });
    assert.equal(tracing.only("s").errorCode, "DATA_LOSS");
  });
});
