import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { GrpcAgentClient } from "../src/grpc/index.js";
import { collect, FakeClock, FakeHandler, failure, plan, startServer } from "./grpc-fixtures.js";

describe("graceful close", () => {
  test("a call in flight finishes within the drain; new calls are refused", async () => {
    const handler = new FakeHandler();
    const clock = new FakeClock();
    const { server, address } = await startServer(handler, { clock });
    const client = new GrpcAgentClient(address);
    try {
      const pending = client.invoke(plan({ block: true }));
      const call = await handler.nextCall();
      const closed = server.close(5_000);
      const other = new GrpcAgentClient(address);
      assert.equal((await failure(other.invoke(plan({})))).code, "UNAVAILABLE");
      other.close();
      handler.release?.();
      assert.equal((await pending).agent, "claude");
      await closed;
      assert.equal(call.ctx.signal.aborted, false);
      assert.equal(clock.pending, 0, "the drain timer was cleared");
    } finally {
      client.close();
    }
  });

  test("a call still running when the drain ends is aborted and answers UNAVAILABLE", async () => {
    const handler = new FakeHandler();
    const clock = new FakeClock();
    const { server, address } = await startServer(handler, { clock });
    const client = new GrpcAgentClient(address);
    try {
      const pending = failure(client.invoke(plan({ block: true })));
      const call = await handler.nextCall();
      const closed = server.close(5_000);
      clock.advance(4_999);
      assert.equal(call.ctx.signal.aborted, false);
      clock.advance(1);
      assert.equal(call.ctx.signal.aborted, true);
      const err = await pending;
      assert.equal(err.code, "UNAVAILABLE");
      assert.match(err.message, /shutting down/);
      await closed;
      assert.equal(clock.pending, 0);
    } finally {
      client.close();
    }
  });

  test("a handler that ignores the abort is cut off after the grace", async () => {
    const handler = new FakeHandler();
    const clock = new FakeClock();
    const { server, address } = await startServer(handler, { clock });
    const client = new GrpcAgentClient(address);
    try {
      const pending = failure(client.invoke(plan({ deaf: true })));
      const call = await handler.nextCall();
      const closed = server.close(1_000);
      clock.advance(1_000);
      assert.equal(call.ctx.signal.aborted, true);
      clock.advance(100);
      await closed;
      assert.equal((await pending).code, "CANCELLED");
      handler.release?.();
    } finally {
      client.close();
    }
  });
});

describe("client close", () => {
  test("a call in flight still completes; later calls fail UNAVAILABLE without I/O", async () => {
    const handler = new FakeHandler();
    const { server, address } = await startServer(handler);
    const client = new GrpcAgentClient(address);
    try {
      const pending = client.invoke(plan({ block: true }));
      await handler.nextCall();
      client.close();
      handler.release?.();
      assert.equal((await pending).agent, "claude");
      const before = handler.calls.length;
      const err = await failure(client.invoke(plan()));
      assert.equal(err.code, "UNAVAILABLE");
      assert.match(err.message, /client is closed/);
      assert.equal((await failure(collect(client.stream(plan())))).code, "UNAVAILABLE");
      assert.equal((await failure(client.health())).code, "UNAVAILABLE");
      assert.equal(handler.calls.length, before);
      client.close();
    } finally {
      await server.close(0);
    }
  });
});
