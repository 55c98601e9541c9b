/** The JSON-RPC client against a real server (and, for drops, a raw socket server) on 127.0.0.1. */
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { describe, type TestContext, test } from "node:test";
import {
  type AgentRequest,
  CODES,
  FakeClock,
  hashText,
  isSynapseError,
  type StreamEvent,
  type SynapseError,
  wasNotSent,
} from "@synapse/core";
import { JsonRpcClient, type JsonRpcClientOptions } from "../src/jsonrpc/index.js";
import { RawClient, startServer, T, until } from "./jsonrpc-fixtures.js";

const plan = (input: Record<string, unknown>, extra: Partial<AgentRequest> = {}): AgentRequest => ({
  agent: "claude",
  action: "plan",
  input,
  ...extra,
});

async function setup(
  t: TestContext,
  serverOptions: Parameters<typeof startServer>[0] = {},
  clientOptions: Partial<JsonRpcClientOptions> = {},
) {
  const started = await startServer(serverOptions);
  const client = new JsonRpcClient({ port: started.port, ...clientOptions });
  t.after(async () => {
    await client.close();
    await started.server.close(0);
  });
  return { ...started, client };
}

/** Asserts `promise` rejects with a SynapseError of `code`; returns it. */
async function rejectsWith(promise: Promise<unknown>, code: string): Promise<SynapseError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(isSynapseError(err), `expected a SynapseError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

/** A raw TCP server that runs `onRequest` for the first line each socket sends. */
async function rawServer(t: TestContext, onRequest: (socket: Socket, id: number) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.once("data", (chunk) => onRequest(socket, JSON.parse(chunk.toString().split("\n")[0] ?? "{}").id));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as { port: number }).port;
}

describe("JSON-RPC client: calls", () => {
  test("invoke, describe and health", T, async (t) => {
    const { client, handler } = await setup(t);
    const response = await client.invoke(plan({ echo: "hello" }));
    assert.equal(response.text, "hello");
    assert.equal(response.provider, "fake");
    assert.equal((await client.describe()).agent, "claude");
    assert.equal(await client.health(), "SERVING");
    handler.status = "NOT_SERVING";
    assert.equal(await client.health(), "NOT_SERVING");
  });

  test("many calls in flight share one connection and each gets its own answer", T, async (t) => {
    const { client, server } = await setup(t);
    const texts = Array.from({ length: 100 }, (_, i) => `n${i}`);
    const answers = await Promise.all(texts.map((echo) => client.invoke(plan({ echo }))));
    assert.deepEqual(
      answers.map((a) => a.text),
      texts,
    );
    assert.equal(server.connections(), 1);
  });

  test("stream: chunks seq 1..N, then the final event with the hash of the whole text", T, async (t) => {
    const { client } = await setup(t);
    const events = await collect(client.stream(plan({ chunks: 5 })));
    const chunks = events.filter((e) => e.type === "chunk");
    assert.deepEqual(
      chunks.map((c) => c.seq),
      [1, 2, 3, 4, 5],
    );
    const final = events.at(-1);
    assert.ok(final?.type === "final");
    const text = chunks.map((c) => c.text).join("");
    assert.equal(final.lastSeq, 5);
    assert.equal(final.hash, hashText(text));
    assert.equal(final.response.text, text);
  });

  test(
    "stopping early cancels the server's stream; resume continues after the last seq seen",
    T,
    async (t) => {
      const { client, handler } = await setup(t);
      const seen: StreamEvent[] = [];
      for await (const event of client.stream(
        plan({ chunks: 5, blockAfter: 2 }, { requestId: "r1", streamId: "s1" }),
      )) {
        seen.push(event);
        if (seen.length === 2) break;
      }
      const ctx = await handler.started("r1");
      await handler.ended("r1");
      assert.equal(ctx.signal.aborted, true);
      const rest = await collect(client.resume("s1", 2));
      assert.deepEqual(
        rest.map((e) => (e.type === "chunk" ? e.seq : "final")),
        [3, 4, 5, "final"],
      );
      const final = rest.at(-1);
      assert.ok(final?.type === "final");
      const text = [...seen, ...rest].map((e) => (e.type === "chunk" ? e.text : "")).join("");
      assert.equal(final.hash, hashText(text));
      await rejectsWith(collect(client.resume("unknown", 0)), "NOT_FOUND");
    },
  );

  test("a timeout rejects with DEADLINE_EXCEEDED and cancels the call on the server", T, async (t) => {
    const clock = new FakeClock(Date.now());
    const { client, handler } = await setup(t, {}, { clock });
    // Long enough that the server's own (real) deadline cannot be what stops the handler below.
    const timeoutMs = 600_000;
    const call = client.invoke(plan({ block: true }, { requestId: "slow" }), { timeoutMs });
    const ctx = await handler.started("slow");
    assert.ok(ctx.deadline !== undefined, "the timeout travels to the server as its deadline");
    clock.advance(timeoutMs - 1);
    assert.equal(ctx.signal.aborted, false);
    clock.advance(1);
    await rejectsWith(call, "DEADLINE_EXCEEDED");
    await handler.ended("slow"); // stopped by the client's $/cancel
    assert.equal(ctx.signal.aborted, true);
    await rejectsWith(client.invoke(plan({}), { deadline: clock.now() - 1 }), "DEADLINE_EXCEEDED");
  });

  test("aborting the signal rejects with CANCELLED and aborts the server-side signal", T, async (t) => {
    const { client, handler } = await setup(t);
    const controller = new AbortController();
    const call = client.invoke(plan({ block: true }, { requestId: "c1" }), { signal: controller.signal });
    const ctx = await handler.started("c1");
    controller.abort();
    await rejectsWith(call, "CANCELLED");
    await handler.ended("c1");
    assert.equal(ctx.signal.aborted, true);
    assert.equal((ctx.signal.reason as SynapseError).code, "CANCELLED");
    // A stream cancelled after its first chunk.
    const streamAbort = new AbortController();
    const seen: StreamEvent[] = [];
    const streaming = (async () => {
      for await (const e of client.stream(plan({ chunks: 9, blockAfter: 1 }, { requestId: "c2" }), {
        signal: streamAbort.signal,
      })) {
        seen.push(e);
        streamAbort.abort();
      }
    })();
    await rejectsWith(streaming, "CANCELLED");
    await handler.ended("c2");
    assert.equal(seen.length, 1);
    await rejectsWith(client.invoke(plan({}), { signal: AbortSignal.abort() }), "CANCELLED");
  });

  test("every Code round-trips with its message, retryAfterMs and details", T, async (t) => {
    const { client } = await setup(t);
    for (const code of CODES) {
      const err = await rejectsWith(
        client.invoke(plan({ throw: code, retryAfterMs: 1234, details: { code, n: 1 } })),
        code,
      );
      assert.equal(err.message, `fake failure ${code}`);
      assert.equal(err.retryAfterMs, 1234);
      assert.deepEqual(err.details, { code, n: 1 });
    }
    const streamed = await rejectsWith(
      collect(client.stream(plan({ throw: "RESOURCE_EXHAUSTED", retryAfterMs: 50 }))),
      "RESOURCE_EXHAUSTED",
    );
    assert.equal(streamed.retryAfterMs, 50);
  });
});

describe("JSON-RPC client: connections", () => {
  test("reconnects on the next call after the server drops the connection", T, async (t) => {
    const clock = new FakeClock();
    const { client, server } = await setup(t, { clock, idleTimeoutMs: 1000 });
    assert.equal((await client.invoke(plan({ echo: "one" }))).text, "one");
    clock.advance(1000); // the server closes the idle connection
    await until(() => client.openConnections() === 0, "the client to see the drop");
    assert.equal((await client.invoke(plan({ echo: "two" }))).text, "two");
    assert.equal(server.connections(), 1);
  });

  test("a connection dropped mid-call rejects with UNAVAILABLE, mid-stream too", T, async (t) => {
    const unary = new JsonRpcClient({ port: await rawServer(t, (socket) => socket.destroy()) });
    t.after(() => unary.close());
    await rejectsWith(unary.invoke(plan({})), "UNAVAILABLE");
    const streamPort = await rawServer(t, (socket, id) => {
      for (const seq of [1, 2]) {
        const params = { id, streamId: "s", seq, text: `c${seq}` };
        socket.write(`${JSON.stringify({ jsonrpc: "2.0", method: "agent.chunk", params })}\n`);
      }
      socket.end();
    });
    const streaming = new JsonRpcClient({ port: streamPort });
    t.after(() => streaming.close());
    const seen: StreamEvent[] = [];
    const run = (async () => {
      for await (const e of streaming.stream(plan({}))) seen.push(e);
    })();
    await rejectsWith(run, "UNAVAILABLE");
    assert.deepEqual(
      seen.map((e) => (e.type === "chunk" ? e.seq : 0)),
      [1, 2],
    );
  });

  test("an unreachable server → UNAVAILABLE", T, async (t) => {
    const { server, port } = await startServer();
    await server.close(0); // nothing listens on this port any more
    const client = new JsonRpcClient({ port });
    t.after(() => client.close());
    const err = await rejectsWith(client.health(), "UNAVAILABLE");
    assert.match(err.message, /Cannot connect/);
    assert.ok(wasNotSent(err), "marked as never sent, so the retry layer retries it transparently");
  });

  test("an error the server announces before closing (a limit) is what the calls get", T, async (t) => {
    const { client, port } = await setup(t, { maxConnections: 1 });
    const occupant = await RawClient.connect(port);
    t.after(() => occupant.close());
    await occupant.assertServing();
    await rejectsWith(client.invoke(plan({})), "RESOURCE_EXHAUSTED");
  });

  test("close() fails calls in flight with CANCELLED, later calls with FAILED_PRECONDITION", T, async (t) => {
    const { client, handler } = await setup(t);
    const call = client.invoke(plan({ block: true }, { requestId: "x" }));
    await handler.started("x");
    await client.close();
    await rejectsWith(call, "CANCELLED");
    await handler.ended("x");
    await rejectsWith(client.health(), "FAILED_PRECONDITION");
  });
});
