import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  type CallOutput,
  chain,
  hashText,
  type StreamCall,
  type SynapseError,
  type UnaryCall,
} from "@synapse/core";
import { createGrpcServer, GrpcAgentClient, grpcTransport } from "../src/grpc/index.js";
import { collect, FakeHandler, failure, plan, type Started, startServer } from "./grpc-fixtures.js";

async function rejectsWith(promise: Promise<unknown>, code: string, message?: RegExp): Promise<SynapseError> {
  const err = await failure(promise);
  assert.equal(err.code, code);
  if (message) assert.match(err.message, message);
  return err;
}

describe("gRPC round trips", () => {
  const handler = new FakeHandler();
  let started: Started;
  let client: GrpcAgentClient;

  before(async () => {
    started = await startServer(handler);
    client = new GrpcAgentClient(started.address);
  });
  after(async () => {
    client.close();
    await started.server.close(0);
  });

  test("invoke carries the request and the whole response, Struct input and result included", async () => {
    const input = { task: "build", files: [{ path: "a.ts", content: "x" }], depth: 2, strict: false };
    const res = await client.invoke({ ...plan(input), requestId: "r-1" });
    const call = handler.calls.at(-1)!;
    assert.deepEqual(call.request, { ...plan(input), requestId: "r-1" });
    assert.deepEqual(res, {
      agent: "claude",
      action: "plan",
      result: { steps: [{ id: 1, goal: "g", check: "c" }], nested: { ok: true, n: null } },
      text: `answer to ${JSON.stringify(input)}`,
      usage: { inputTokens: 3, outputTokens: 5 },
      provider: "sim",
      model: "sim-1",
      latencyMs: 1.5,
    });
  });

  test("metadata x-request-id and traceparent reach the handler; x-request-id fills an empty requestId", async () => {
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    await client.invoke(plan(), { metadata: { "x-request-id": "req-9", traceparent, "x-other": "no" } });
    const call = handler.calls.at(-1)!;
    assert.deepEqual(call.ctx.metadata, { "x-request-id": "req-9", traceparent });
    assert.equal(call.request?.requestId, "req-9");
    assert.equal(call.ctx.deadline, undefined);
  });

  test("a deadline reaches the handler as epoch milliseconds", async () => {
    const deadline = Date.now() + 60_000;
    await client.invoke(plan(), { deadline });
    const seen = handler.calls.at(-1)!.ctx.deadline!;
    // Sent as a relative grpc-timeout and rebuilt by the server: equal within clock rounding.
    assert.ok(Math.abs(seen - deadline) < 1000, `deadline ${seen} vs ${deadline}`);
  });

  test("stream yields seq 1..N then a final whose lastSeq and hash match the text", async () => {
    const events = await collect(client.stream({ ...plan({ chunks: 5 }), streamId: "st-a" }));
    assert.equal(events.length, 6);
    const chunks = events.slice(0, 5);
    assert.deepEqual(
      chunks.map((e) => (e.type === "chunk" ? [e.streamId, e.seq] : [])),
      [1, 2, 3, 4, 5].map((seq) => ["st-a", seq]),
    );
    const text = chunks.map((e) => (e.type === "chunk" ? e.text : "")).join("");
    const last = events[5]!;
    assert.equal(last.type, "final");
    if (last.type !== "final") return;
    assert.equal(last.streamId, "st-a");
    assert.equal(last.lastSeq, 5);
    assert.equal(last.hash, hashText(text));
    assert.equal(last.response.text, text);
  });

  test("resume yields exactly the chunks after afterSeq, then the final", async () => {
    await collect(client.stream({ ...plan({ chunks: 4 }), streamId: "st-r" }));
    const events = await collect(client.resume("st-r", 2));
    assert.deepEqual(
      events.map((e) => (e.type === "chunk" ? e.seq : `final:${e.lastSeq}`)),
      [3, 4, "final:4"],
    );
    const final = events.at(-1)!;
    assert.equal(final.type === "final" && final.hash, hashText("t1 t2 t3 t4 "));
  });

  test("resume of an unknown stream is NOT_FOUND; without a stream id INVALID_ARGUMENT", async () => {
    const before = handler.calls.length;
    await rejectsWith(collect(client.resume("nope", 0)), "NOT_FOUND", /No stream "nope"/);
    await rejectsWith(collect(client.resume("", 0)), "INVALID_ARGUMENT", /stream_id/);
    assert.equal(handler.calls.length, before + 1, "the handler is called only for the first");
  });

  test("describe returns the handler's description", async () => {
    assert.deepEqual(await client.describe(), new FakeHandler().describe());
  });

  test("empty agent or action is INVALID_ARGUMENT at the edge; the handler never sees it", async () => {
    const before = handler.calls.length;
    await rejectsWith(
      client.invoke({ ...plan(), agent: "" as "claude" }),
      "INVALID_ARGUMENT",
      /names no agent.*claude, gemini, codex/,
    );
    await rejectsWith(
      client.invoke({ ...plan(), action: "" as "plan" }),
      "INVALID_ARGUMENT",
      /names no action/,
    );
    await rejectsWith(collect(client.stream({ ...plan(), agent: "" as "claude" })), "INVALID_ARGUMENT");
    assert.equal(handler.calls.length, before);
  });

  test("an unknown agent is NOT_FOUND from the handler, and the server keeps serving", async () => {
    await rejectsWith(
      client.invoke({ ...plan(), agent: "gpt" as "claude" }),
      "NOT_FOUND",
      /Unknown agent "gpt"/,
    );
    await rejectsWith(collect(client.stream({ ...plan(), agent: "gpt" as "claude" })), "NOT_FOUND");
    const res = await client.invoke(plan());
    assert.equal(res.provider, "sim");
  });

  test("a request over the server's maxMessageBytes is RESOURCE_EXHAUSTED; the server keeps serving", async () => {
    const err = await rejectsWith(client.invoke(plan({ task: "x".repeat(1_100_000) })), "RESOURCE_EXHAUSTED");
    assert.match(err.message, /larger than max/);
    assert.equal((await client.invoke(plan())).agent, "claude");
  });

  test("a second listen on a taken port fails UNAVAILABLE, naming the reason", async () => {
    const other = createGrpcServer({ handler, maxMessageBytes: 1024 });
    const err = await rejectsWith(other.listen(started.port, "127.0.0.1"), "UNAVAILABLE", /EADDRINUSE/);
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${started.port}`));
    await other.close(0);
  });

  test("invalid metadata keys are INVALID_ARGUMENT before anything is sent", async () => {
    const before = handler.calls.length;
    await rejectsWith(client.invoke(plan(), { metadata: { "Bad Key": "x" } }), "INVALID_ARGUMENT", /Bad Key/);
    assert.equal(handler.calls.length, before);
  });
});

describe("grpcTransport as the innermost Next of the interceptor chain", () => {
  const handler = new FakeHandler();
  let started: Started;
  let client: GrpcAgentClient;

  before(async () => {
    started = await startServer(handler);
    client = new GrpcAgentClient(started.address);
  });
  after(async () => {
    client.close();
    await started.server.close(0);
  });

  const base = {
    signal: new AbortController().signal,
    deadline: undefined,
    metadata: { "x-request-id": "q-1" },
  };

  test("a UnaryCall goes to invoke, with the call's metadata", async () => {
    const seen: string[] = [];
    const next = chain(
      [
        (inner) => async (call) => {
          seen.push(call.stream ? "stream" : "unary");
          return inner(call);
        },
      ],
      grpcTransport(client),
    );
    const call: UnaryCall = { ...base, stream: false, request: plan() };
    const out: CallOutput<UnaryCall> = await next(call);
    assert.equal(out.stream, false);
    assert.equal(out.response.agent, "claude");
    assert.deepEqual(seen, ["unary"]);
    assert.equal(handler.calls.at(-1)!.ctx.metadata["x-request-id"], "q-1");
  });

  test("a StreamCall goes to stream, or to resume when call.resume is set", async () => {
    const next = grpcTransport(client);
    const call: StreamCall = { ...base, stream: true, request: { ...plan({ chunks: 3 }), streamId: "tr-1" } };
    const out = await next(call);
    const all = await collect(out.events);
    assert.equal(all.length, 4);
    const resumed = await next({ ...call, resume: { streamId: "tr-1", afterSeq: 1 } });
    assert.deepEqual(
      (await collect(resumed.events)).map((e) => (e.type === "chunk" ? e.seq : "final")),
      [2, 3, "final"],
    );
    assert.equal(handler.calls.at(-1)!.method, "resume");
  });

  test("call.deadline and call.signal reach the service", async () => {
    const next = grpcTransport(client);
    const controller = new AbortController();
    const deadline = Date.now() + 30_000;
    const pending = next({
      ...base,
      signal: controller.signal,
      deadline,
      stream: false,
      request: plan({ block: true }),
    });
    const started = await handler.nextCall();
    assert.ok(Math.abs(started.ctx.deadline! - deadline) < 1000);
    controller.abort();
    await rejectsWith(pending, "CANCELLED");
  });
});
