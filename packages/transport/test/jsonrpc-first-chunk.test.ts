/**
 * A stream's first chunk leaves the JSON-RPC server at once; the chunks after it are batched per
 * event-loop turn (TickCork). Time to the first token is what a client of a stream waits on.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { test } from "node:test";
import type { AgentHandler, StreamEvent } from "@synapse/core";
import {
  JSONRPC_METHODS,
  type JsonRpcMethod,
  type JsonRpcMethodContext,
  registerAgentMethods,
} from "../src/jsonrpc/index.js";
import { type ConnectionHost, ServerConnection } from "../src/jsonrpc/server-connection.js";

async function* threeChunks(): AsyncGenerator<StreamEvent> {
  for (let seq = 1; seq <= 3; seq++) yield { type: "chunk", streamId: "s_1", seq, text: `c${seq} ` };
  yield {
    type: "final",
    streamId: "s_1",
    lastSeq: 3,
    hash: "h",
    response: {
      agent: "claude",
      action: "plan",
      result: {},
      text: "c1 c2 c3 ",
      usage: { inputTokens: 1, outputTokens: 3 },
      provider: "sim",
      model: "sim-1",
      latencyMs: 1,
    },
  };
}

test("agent.stream asks to flush its first chunk only", async () => {
  const methods = new Map<string, JsonRpcMethod>();
  registerAgentMethods({ method: (name, fn) => methods.set(name, fn) }, {
    stream: () => threeChunks(),
  } as unknown as AgentHandler);
  const flushes: boolean[] = [];
  const ctx: JsonRpcMethodContext = {
    id: 1,
    signal: new AbortController().signal,
    aborted: false,
    setTimeout: () => 0,
    abort: () => {},
    notify: (_method, _params, options) => {
      flushes.push(options?.flush === true);
      return undefined;
    },
  };
  const stream = methods.get(JSONRPC_METHODS.stream);
  assert.ok(stream);
  await stream({ agent: "claude", action: "plan", input: { task: "t" } }, ctx);
  assert.deepEqual(flushes, [true, false, false]);
});

test("a notification sent with flush is on its way before the turn ends; others wait for the check phase", async (t) => {
  const seen: { corked: number; buffered: number }[] = [];
  let serverSocket: Socket | undefined;
  const method: JsonRpcMethod = (_params, ctx) => {
    const state = () => ({
      corked: serverSocket?.writableCorked ?? -1,
      buffered: serverSocket?.writableLength ?? -1,
    });
    ctx.notify("x.chunk", { n: 1 }, { flush: true });
    seen.push(state());
    ctx.notify("x.chunk", { n: 2 });
    seen.push(state());
    return "done";
  };
  const host: ConnectionHost = {
    methods: new Map([["x.run", method]]),
    clock: {
      now: () => Date.now(),
      setTimeout: (fn, ms) => {
        const timer = setTimeout(fn, ms);
        return () => clearTimeout(timer);
      },
    },
    logger: undefined,
    maxLineBytes: 1 << 20,
    idleTimeoutMs: 60_000,
    maxInFlight: 10,
    closed: () => {},
  };
  const server = createServer((s) => {
    serverSocket = s;
    new ServerConnection(s, host);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const client = connect({ port: (server.address() as AddressInfo).port, host: "127.0.0.1" });
  t.after(() => {
    client.destroy();
    serverSocket?.destroy();
    server.close();
  });
  let received = "";
  client.on("data", (d: Buffer) => (received += d.toString()));
  await once(client, "connect");
  client.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "x.run" })}\n`);
  while (!received.includes('"result"')) await once(client, "data");
  assert.deepEqual(seen[0], { corked: 0, buffered: 0 }, "the flushed notification left at once");
  assert.equal(seen[1]?.corked, 1, "the next one waits for the check phase");
  assert.ok((seen[1]?.buffered ?? 0) > 0);
  assert.equal(received.split("\n").filter(Boolean).length, 3);
});
