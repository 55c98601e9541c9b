/** The client as the innermost `Next` of core's interceptor chain. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type AgentRequest,
  type Call,
  chain,
  type Interceptor,
  isSynapseError,
  type StreamCall,
  type StreamEvent,
  type UnaryCall,
} from "@synapse/core";
import { JsonRpcClient, jsonRpcTransport } from "../src/jsonrpc/index.js";
import { startServer, T } from "./jsonrpc-fixtures.js";

const request = (input: Record<string, unknown>, requestId: string): AgentRequest => ({
  agent: "claude",
  action: "plan",
  input,
  requestId,
});

function unary(req: AgentRequest, extra: Partial<UnaryCall> = {}): UnaryCall {
  return {
    stream: false,
    request: req,
    signal: new AbortController().signal,
    deadline: undefined,
    metadata: {},
    ...extra,
  };
}

function streaming(req: AgentRequest, extra: Partial<StreamCall> = {}): StreamCall {
  return {
    stream: true,
    request: req,
    signal: new AbortController().signal,
    deadline: undefined,
    metadata: {},
    ...extra,
  };
}

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe("jsonRpcTransport", () => {
  test(
    "unary, stream and resume calls through an interceptor chain, with metadata and deadline",
    T,
    async (t) => {
      const { server, port, handler } = await startServer();
      const client = new JsonRpcClient({ port });
      t.after(async () => {
        await client.close();
        await server.close(0);
      });
      const seen: Call[] = [];
      const record: Interceptor = (next) => (call) => {
        seen.push(call);
        return next(call);
      };
      const next = chain([record], jsonRpcTransport(client));

      const deadline = Date.now() + 60_000;
      const out = await next(unary(request({ echo: "hi" }, "u1"), { metadata: { trace: "t-1" }, deadline }));
      assert.equal(out.response.text, "hi");
      const ctx = await handler.started("u1");
      assert.deepEqual(ctx.metadata, { trace: "t-1" });
      assert.ok(ctx.deadline !== undefined && Math.abs(ctx.deadline - deadline) < 5_000);

      const started = await next(streaming({ ...request({ chunks: 3 }, "s1"), streamId: "sx" }));
      const streamed = await collect(started.events);
      assert.deepEqual(
        streamed.map((e) => e.type),
        ["chunk", "chunk", "chunk", "final"],
      );
      const resumed = await collect(
        (await next(streaming(request({}, "r1"), { resume: { streamId: "sx", afterSeq: 1 } }))).events,
      );
      assert.deepEqual(
        resumed.map((e) => (e.type === "chunk" ? e.seq : "final")),
        [2, 3, "final"],
      );
      assert.equal(seen.length, 3);
    },
  );

  test("call.signal cancels the call", T, async (t) => {
    const { server, port, handler } = await startServer();
    const client = new JsonRpcClient({ port });
    t.after(async () => {
      await client.close();
      await server.close(0);
    });
    const controller = new AbortController();
    const pending = jsonRpcTransport(client)(
      unary(request({ block: true }, "b1"), { signal: controller.signal }),
    );
    const ctx = await handler.started("b1");
    controller.abort();
    await assert.rejects(pending, (err) => isSynapseError(err, "CANCELLED"));
    await handler.ended("b1");
    assert.equal(ctx.signal.aborted, true);
  });
});
