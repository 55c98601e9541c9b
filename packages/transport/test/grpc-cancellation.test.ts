import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import { type StreamEvent, SynapseError } from "@synapse/core";
import { GrpcAgentClient } from "../src/grpc/index.js";
import {
  collect,
  FakeClock,
  FakeHandler,
  failure,
  plan,
  type Started,
  startProxy,
  startServer,
} from "./grpc-fixtures.js";

function reasonCode(signal: AbortSignal): string | undefined {
  return signal.reason instanceof SynapseError ? signal.reason.code : undefined;
}

describe("deadlines", () => {
  test("a deadline already passed fails DEADLINE_EXCEEDED in the client; nothing is sent", async () => {
    const handler = new FakeHandler();
    const { server, address } = await startServer(handler);
    const client = new GrpcAgentClient(address);
    try {
      const past = Date.now() - 1;
      assert.equal((await failure(client.invoke(plan({}), { deadline: past }))).code, "DEADLINE_EXCEEDED");
      assert.equal(
        (await failure(collect(client.stream(plan({}), { deadline: past })))).code,
        "DEADLINE_EXCEEDED",
      );
      assert.equal(handler.calls.length, 0);
    } finally {
      client.close();
      await server.close(0);
    }
  });

  test("a call whose deadline has passed on arrival gets DEADLINE_EXCEEDED; the handler never runs", async () => {
    const handler = new FakeHandler();
    // The server's clock is an hour ahead, so every deadline the client sends has passed there.
    const clock = new FakeClock(Date.now() + 3_600_000);
    const { server, address } = await startServer(handler, { clock });
    const client = new GrpcAgentClient(address);
    try {
      const deadline = Date.now() + 60_000;
      assert.equal((await failure(client.invoke(plan({}), { deadline }))).code, "DEADLINE_EXCEEDED");
      const err = await failure(collect(client.stream(plan({}), { deadline })));
      assert.equal(err.code, "DEADLINE_EXCEEDED");
      assert.match(err.message, /deadline passed/);
      assert.equal(handler.calls.length, 0);
      // Without a deadline the same server runs the handler.
      await client.invoke(plan({}));
      assert.equal(handler.calls.length, 1);
    } finally {
      client.close();
      await server.close(0);
    }
  });

  test("a deadline that passes mid-call aborts the handler's signal (server clock)", async () => {
    const handler = new FakeHandler();
    const clock = new FakeClock(Date.now());
    const { server, address } = await startServer(handler, { clock });
    const client = new GrpcAgentClient(address);
    try {
      const pending = failure(client.invoke(plan({ block: true }), { deadline: Date.now() + 60_000 }));
      const call = await handler.nextCall();
      assert.equal(call.ctx.signal.aborted, false);
      clock.advance(61_000);
      assert.equal(call.ctx.signal.aborted, true);
      assert.equal(reasonCode(call.ctx.signal), "DEADLINE_EXCEEDED");
      assert.equal((await pending).code, "DEADLINE_EXCEEDED");
    } finally {
      client.close();
      await server.close(0);
    }
  });

  test("a real deadline passing mid-stream aborts the handler and fails the client", async () => {
    const handler = new FakeHandler();
    const { server, address } = await startServer(handler);
    const client = new GrpcAgentClient(address);
    try {
      const stopped = handler.nextStop();
      const events: StreamEvent[] = [];
      const pending = failure(
        (async () => {
          for await (const e of client.stream(plan({ chunks: 3, blockAfter: 1 }), {
            deadline: Date.now() + 150,
          }))
            events.push(e);
        })(),
      );
      const call = await handler.nextCall();
      await once(call.ctx.signal, "abort");
      assert.equal((await pending).code, "DEADLINE_EXCEEDED");
      await stopped;
      assert.equal(events.length, 1);
    } finally {
      client.close();
      await server.close(0);
    }
  });
});

describe("cancellation", () => {
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

  test("aborting the client's signal cancels an invoke: CANCELLED here, signal aborted there", async () => {
    const controller = new AbortController();
    const pending = failure(client.invoke(plan({ block: true }), { signal: controller.signal }));
    const call = await handler.nextCall();
    controller.abort();
    assert.equal((await pending).code, "CANCELLED");
    await once(call.ctx.signal, "abort");
    assert.equal(reasonCode(call.ctx.signal), "CANCELLED");
  });

  test("aborting cancels a stream mid-way and the handler's generator stops", async () => {
    const controller = new AbortController();
    const stopped = handler.nextStop();
    const seen: StreamEvent[] = [];
    const pending = failure(
      (async () => {
        for await (const e of client.stream(plan({ chunks: 5, blockAfter: 2 }), {
          signal: controller.signal,
        })) {
          seen.push(e);
          if (seen.length === 2) controller.abort();
        }
      })(),
    );
    assert.equal((await pending).code, "CANCELLED");
    await stopped;
    assert.equal(seen.length, 2);
  });

  test("a SynapseError abort reason is what the caller gets", async () => {
    const controller = new AbortController();
    const pending = failure(client.invoke(plan({ block: true }), { signal: controller.signal }));
    await handler.nextCall();
    controller.abort(new SynapseError("DEADLINE_EXCEEDED", "adaptive timeout"));
    const err = await pending;
    assert.equal(err.code, "DEADLINE_EXCEEDED");
    assert.equal(err.message, "adaptive timeout");
  });

  test("one signal shared by many calls cancels them all, with one listener (no MaxListeners warning)", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      const controller = new AbortController();
      const count = 12;
      const before = handler.calls.length;
      const pending = Array.from({ length: count }, (_, i) =>
        failure(client.invoke(plan({ block: true, i }), { signal: controller.signal })),
      );
      await handler.untilCalls(before + count);
      controller.abort();
      const errors = await Promise.all(pending);
      assert.deepEqual(new Set(errors.map((e) => e.code)), new Set(["CANCELLED"]));
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(warnings, []);
    } finally {
      process.off("warning", onWarning);
    }
  });

  test("an already-aborted signal fails at once without calling the service", async () => {
    const before = handler.calls.length;
    const signal = AbortSignal.abort();
    assert.equal((await failure(client.invoke(plan({}), { signal }))).code, "CANCELLED");
    assert.equal((await failure(collect(client.stream(plan({}), { signal })))).code, "CANCELLED");
    assert.equal(handler.calls.length, before);
  });

  test("a consumer that stops reading early cancels the call; the handler stops", async () => {
    const stopped = handler.nextStop();
    for await (const e of client.stream(plan({ chunks: 5, blockAfter: 1 }))) {
      assert.equal(e.type, "chunk");
      break;
    }
    await stopped;
    const call = handler.calls.at(-1)!;
    assert.equal(reasonCode(call.ctx.signal), "CANCELLED");
  });

  test("a client disconnecting mid-stream stops the handler; the server keeps serving others", async () => {
    const proxy = await startProxy(started.port);
    const viaProxy = new GrpcAgentClient(proxy.address);
    try {
      const stopped = handler.nextStop();
      const pending = failure(
        (async () => {
          for await (const e of viaProxy.stream(plan({ chunks: 5, blockAfter: 1 }))) {
            if (e.type === "chunk") proxy.cut();
          }
        })(),
      );
      assert.equal((await pending).code, "UNAVAILABLE");
      await stopped;
      assert.equal(reasonCode(handler.calls.at(-1)!.ctx.signal), "CANCELLED");
      const events = await collect(client.stream(plan({ chunks: 2 })));
      assert.equal(events.length, 3);
    } finally {
      viaProxy.close();
      await proxy.close();
    }
  });
});
