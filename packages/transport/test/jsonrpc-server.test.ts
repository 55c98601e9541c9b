/**
 * The server against bad input and its limits, over real sockets: each case gets the right error
 * and a second client connected all along is still served afterwards.
 */
import assert from "node:assert/strict";
import { describe, type TestContext, test } from "node:test";
import { FakeClock } from "@synapse/core";
import { RawClient, startServer, T, until } from "./jsonrpc-fixtures.js";

type Answer = Record<string, unknown>;
const errorOf = (answer: unknown) =>
  (answer as { error: { code: number; message: string; data?: { code: string; retryAfterMs?: number } } })
    .error;

const plan = (input: Record<string, unknown>, requestId?: string) => ({
  agent: "claude",
  action: "plan",
  input,
  ...(requestId === undefined ? {} : { requestId }),
});

/** A server, a client under test and a bystander that must keep being served; all closed after the test. */
async function setup(t: TestContext, options: Parameters<typeof startServer>[0] = {}) {
  const { server, port, handler } = await startServer(options);
  const bystander = await RawClient.connect(port);
  const client = await RawClient.connect(port);
  await until(() => server.connections() === 2, "both connections accepted");
  t.after(async () => {
    await Promise.all([bystander.close(), client.close()]);
    await server.close(0);
  });
  return { server, port, handler, bystander, client };
}

describe("JSON-RPC server: bad input", () => {
  test("malformed JSON → -32700 with id null; the connection stays usable", T, async (t) => {
    const s = await setup(t);
    s.client.write("{not json\n");
    const answer = (await s.client.next()) as Answer;
    assert.equal(answer.id, null);
    assert.equal(errorOf(answer).code, -32700);
    assert.equal(errorOf(answer).data?.code, "INVALID_ARGUMENT");
    await s.client.assertServing();
    await s.bystander.assertServing();
  });

  test("spec-breaking request objects → -32600, answered to their id when readable", T, async (t) => {
    const s = await setup(t);
    const cases: [string, unknown][] = [
      ['{"id":1,"method":"health.check"}', 1], // no jsonrpc
      ['{"jsonrpc":"1.0","id":2,"method":"health.check"}', 2], // wrong version
      ['{"jsonrpc":"2.0","id":3,"method":7}', 3], // method not a string
      ['{"jsonrpc":"2.0","id":4,"method":"health.check","params":"x"}', 4], // params not structured
      ['{"jsonrpc":"2.0","id":{"a":1},"method":"health.check"}', null], // id of the wrong type
      ["42", null],
    ];
    for (const [line, id] of cases) {
      s.client.write(`${line}\n`);
      const answer = (await s.client.next()) as Answer;
      assert.equal(errorOf(answer).code, -32600, line);
      assert.equal(answer.id, id, line);
    }
    await s.bystander.assertServing();
  });

  test("an unknown method → -32601 UNIMPLEMENTED", T, async (t) => {
    const s = await setup(t);
    const answer = await s.client.request(1, "agent.nope", {});
    assert.equal(errorOf(answer).code, -32601);
    assert.equal(errorOf(answer).data?.code, "UNIMPLEMENTED");
    await s.bystander.assertServing();
  });

  test("wrong params → -32602 INVALID_ARGUMENT; unknown agent or action → NOT_FOUND", T, async (t) => {
    const s = await setup(t);
    const invalid: unknown[] = [
      ["claude", "plan", {}],
      { agent: "claude", action: "plan" },
      { agent: "claude", action: "plan", input: "text" },
      { agent: 7, action: "plan", input: {} },
      { agent: "claude", action: "plan", input: {}, timeoutMs: -5 },
      { agent: "claude", action: "plan", input: {}, metadata: { a: 1 } },
    ];
    let id = 0;
    for (const params of invalid) {
      const answer = await s.client.request(++id, "agent.invoke", params);
      assert.equal(errorOf(answer).code, -32602, JSON.stringify(params));
      assert.equal(errorOf(answer).data?.code, "INVALID_ARGUMENT");
    }
    const resume = await s.client.request(++id, "agent.resume", { streamId: "s", afterSeq: -1 });
    assert.equal(errorOf(resume).code, -32602);
    for (const params of [
      { agent: "nobody", action: "plan", input: {} },
      { agent: "claude", action: "execute", input: {} },
    ]) {
      const answer = await s.client.request(++id, "agent.invoke", params);
      assert.equal(errorOf(answer).data?.code, "NOT_FOUND");
      assert.equal(errorOf(answer).code, -32005);
    }
    // The handler's own INVALID_ARGUMENT maps the same way.
    const thrown = await s.client.request(++id, "agent.invoke", plan({ throw: "INVALID_ARGUMENT" }));
    assert.equal(errorOf(thrown).code, -32602);
    await s.bystander.assertServing();
  });

  test("a request id already in flight on the connection → -32600", T, async (t) => {
    const s = await setup(t);
    s.client.send({ jsonrpc: "2.0", id: 1, method: "agent.invoke", params: plan({ wait: "dup" }, "dup") });
    await s.handler.started("dup");
    const answer = await s.client.request(1, "health.check");
    assert.equal(errorOf(answer).code, -32600);
    s.handler.release("dup");
    assert.equal(((await s.client.next()) as Answer).id, 1);
  });
});

describe("JSON-RPC server: limits", () => {
  test(
    "an oversized line → -32600 'line exceeds N bytes' with id null, then the connection closes",
    T,
    async (t) => {
      const s = await setup(t, { maxLineBytes: 1024 });
      s.client.write("x".repeat(3000)); // no newline: refused without waiting for one
      const answer = (await s.client.next()) as Answer;
      assert.equal(answer.id, null);
      assert.equal(errorOf(answer).code, -32600);
      assert.match(errorOf(answer).message, /line exceeds 1024 bytes/i);
      await s.client.closed;
      await s.bystander.assertServing();
    },
  );

  test("a silent client is closed after the idle timeout; a busy one is not", T, async (t) => {
    const clock = new FakeClock();
    const s = await setup(t, { clock, idleTimeoutMs: 1000 });
    s.bystander.send({
      jsonrpc: "2.0",
      id: 1,
      method: "agent.invoke",
      params: plan({ block: true }, "busy"),
    });
    await s.handler.started("busy");
    clock.advance(1000);
    const answer = (await s.client.next()) as Answer;
    assert.equal(answer.id, null);
    assert.equal(errorOf(answer).data?.code, "UNAVAILABLE");
    assert.match(errorOf(answer).message, /1000 ms/);
    await s.client.closed;
    // The bystander had a call in flight: still open and served.
    s.bystander.send({ jsonrpc: "2.0", method: "$/cancel", params: { id: 1 } });
    assert.equal(errorOf(await s.bystander.next()).data?.code, "CANCELLED");
    await s.bystander.assertServing();
  });

  test("activity postpones the idle close", T, async (t) => {
    const clock = new FakeClock();
    const s = await setup(t, { clock, idleTimeoutMs: 1000 });
    clock.advance(900);
    await s.client.assertServing("a");
    clock.advance(200); // 1100 ms since connecting, 200 since the last request
    await s.client.assertServing("b");
    clock.advance(1000);
    await s.client.closed;
  });

  test("a connection over the limit gets one RESOURCE_EXHAUSTED line and is closed", T, async (t) => {
    const s = await setup(t, { maxConnections: 2 });
    const extra = await RawClient.connect(s.port);
    const answer = (await extra.next()) as Answer;
    assert.equal(answer.id, null);
    assert.equal(errorOf(answer).data?.code, "RESOURCE_EXHAUSTED");
    await extra.closed;
    assert.equal(s.server.connections(), 2);
    await s.bystander.assertServing();
    await s.client.assertServing();
  });

  test("a request over the in-flight limit → RESOURCE_EXHAUSTED for that request only", T, async (t) => {
    const s = await setup(t, { maxInFlight: 2 });
    for (const id of [1, 2]) {
      s.client.send({ jsonrpc: "2.0", id, method: "agent.invoke", params: plan({ block: true }, `b${id}`) });
    }
    await Promise.all([s.handler.started("b1"), s.handler.started("b2")]);
    const refused = await s.client.request(3, "agent.invoke", plan({}));
    assert.equal(refused.id, 3);
    assert.equal(errorOf(refused).data?.code, "RESOURCE_EXHAUSTED");
    s.client.send({ jsonrpc: "2.0", method: "$/cancel", params: { id: 1 } });
    const cancelled = (await s.client.next()) as Answer;
    assert.equal(cancelled.id, 1);
    assert.equal(errorOf(cancelled).data?.code, "CANCELLED");
    assert.equal((await s.handler.started("b1")).signal.aborted, true);
    await s.client.assertServing(); // a slot is free again
    await s.bystander.assertServing();
    s.client.send({ jsonrpc: "2.0", method: "$/cancel", params: { id: 2 } });
    await s.client.next();
  });
});

describe("JSON-RPC server: calls", () => {
  test("answers out of order on one connection: a slow request after a fast one sent later", T, async (t) => {
    const s = await setup(t);
    s.client.send({ jsonrpc: "2.0", id: 1, method: "agent.invoke", params: plan({ wait: "slow" }, "slow") });
    await s.handler.started("slow");
    s.client.send({ jsonrpc: "2.0", id: 2, method: "agent.invoke", params: plan({ echo: "fast" }) });
    const first = (await s.client.next()) as Answer;
    assert.equal(first.id, 2);
    assert.equal((first.result as { text: string }).text, "fast");
    s.handler.release("slow");
    assert.equal(((await s.client.next()) as Answer).id, 1);
  });

  test("agent.stream sends agent.chunk notifications, then the final event as the result", T, async (t) => {
    const s = await setup(t);
    s.client.send({ jsonrpc: "2.0", id: "st", method: "agent.stream", params: plan({ chunks: 3 }) });
    const seqs: number[] = [];
    for (;;) {
      const m = (await s.client.next()) as Answer;
      if (m.method === "agent.chunk") {
        const p = m.params as { id: string; seq: number; streamId: string; text: string };
        assert.equal(p.id, "st");
        seqs.push(p.seq);
        continue;
      }
      assert.equal(m.id, "st");
      const final = m.result as { streamId: string; lastSeq: number; hash: string };
      assert.equal(final.lastSeq, 3);
      assert.equal(typeof final.hash, "string");
      break;
    }
    assert.deepEqual(seqs, [1, 2, 3]);
  });

  test(
    "timeoutMs is the call's deadline: the signal aborts and DEADLINE_EXCEEDED is answered",
    T,
    async (t) => {
      const clock = new FakeClock();
      const s = await setup(t, { clock });
      s.client.send({
        jsonrpc: "2.0",
        id: 9,
        method: "agent.invoke",
        params: { ...plan({ block: true }, "late"), timeoutMs: 500 },
      });
      const ctx = await s.handler.started("late");
      assert.equal(ctx.deadline, clock.now() + 500);
      clock.advance(499);
      assert.equal(ctx.signal.aborted, false);
      clock.advance(1);
      assert.equal(ctx.signal.aborted, true);
      const answer = (await s.client.next()) as Answer;
      assert.equal(answer.id, 9);
      assert.equal(errorOf(answer).data?.code, "DEADLINE_EXCEEDED");
    },
  );

  test(
    "a client disconnecting mid-stream stops the handler's stream; others are still served",
    T,
    async (t) => {
      const s = await setup(t);
      s.client.send({
        jsonrpc: "2.0",
        id: 1,
        method: "agent.stream",
        params: plan({ chunks: 10, blockAfter: 2 }, "cut"),
      });
      assert.equal(((await s.client.next()) as Answer).method, "agent.chunk");
      assert.equal(((await s.client.next()) as Answer).method, "agent.chunk");
      const ctx = await s.handler.started("cut");
      await s.client.close();
      await s.handler.ended("cut");
      assert.equal(ctx.signal.aborted, true);
      assert.equal(s.handler.pulled, 2);
      await until(() => s.server.connections() === 1, "the dropped connection to be gone");
      await s.bystander.assertServing();
    },
  );

  test("a slow reader holds the stream back (socket backpressure)", T, async (t) => {
    const s = await setup(t);
    const chunks = 128;
    s.client.send({
      jsonrpc: "2.0",
      id: 1,
      method: "agent.stream",
      params: plan({ chunks, chunkBytes: 256 * 1024 }, "big"),
    });
    // Without backpressure the server would pull all 128 chunks (32 MiB) before the first reached
    // us; with it, only what the socket buffers hold (a few MiB on loopback).
    await s.client.next();
    assert.ok(s.handler.pulled < (chunks * 3) / 4, `pulled ${s.handler.pulled} chunks ahead of the reader`);
    let received = 1;
    for (;;) {
      const m = (await s.client.next()) as Answer;
      if (m.method !== "agent.chunk") break;
      received += 1;
    }
    assert.equal(received, chunks);
  });
});
