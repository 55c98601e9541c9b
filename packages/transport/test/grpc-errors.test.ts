import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { Metadata } from "@grpc/grpc-js";
import { CODES, createLogger, GRPC_STATUS, SynapseError } from "@synapse/core";
import { GrpcAgentClient, PUSHBACK_TRAILER } from "../src/grpc/index.js";
import { readPushback, toGrpcStatus } from "../src/grpc/status.js";
import { collect, FakeHandler, failure, type Started, startServer } from "./grpc-fixtures.js";

describe("gRPC error mapping", () => {
  const handler = new FakeHandler();
  const logged: string[] = [];
  let started: Started;
  let client: GrpcAgentClient;

  before(async () => {
    const destination = new Writable({
      write(chunk, _enc, done) {
        logged.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ name: "test", level: "error", format: "json", destination });
    started = await startServer(handler, { logger });
    client = new GrpcAgentClient(started.address);
  });
  after(async () => {
    client.close();
    await started.server.close(0);
  });

  for (const code of CODES) {
    test(`${code} round-trips with its message and details (invoke and stream)`, async () => {
      const input = { fail: code, message: `it went ${code}`, details: { field: "task", n: 1 } };
      const err = await failure(client.invoke({ agent: "claude", action: "plan", input }));
      assert.equal(err.code, code);
      assert.equal(err.message, `it went ${code}`);
      assert.deepEqual(err.details, { field: "task", n: 1 });
      assert.equal(err.retryAfterMs, undefined);
      const streamErr = await failure(collect(client.stream({ agent: "claude", action: "plan", input })));
      assert.equal(streamErr.code, code);
      assert.equal(streamErr.message, `it went ${code}`);
    });
  }

  test("retryAfterMs travels as the grpc-retry-pushback-ms trailer", async () => {
    const input = { fail: "RESOURCE_EXHAUSTED", message: "slow down", retryAfterMs: 1500 };
    const err = await failure(client.invoke({ agent: "claude", action: "plan", input }));
    assert.equal(err.code, "RESOURCE_EXHAUSTED");
    assert.equal(err.retryAfterMs, 1500);
    const streamErr = await failure(collect(client.stream({ agent: "claude", action: "plan", input })));
    assert.equal(streamErr.retryAfterMs, 1500);
  });

  test("a negative pushback (do not retry) arrives as -1", async () => {
    const input = { fail: "UNAVAILABLE", retryAfterMs: -5 };
    const err = await failure(client.invoke({ agent: "claude", action: "plan", input }));
    assert.equal(err.retryAfterMs, -1);
  });

  test("a foreign error is INTERNAL with a generic message; its cause is logged, not sent", async () => {
    const before = logged.length;
    const err = await failure(client.invoke({ agent: "claude", action: "plan", input: { crash: true } }));
    assert.equal(err.code, "INTERNAL");
    assert.equal(err.message, "Internal error.");
    assert.doesNotMatch(err.message, /secret/);
    const streamErr = await failure(
      collect(client.stream({ agent: "claude", action: "plan", input: { crash: true } })),
    );
    assert.equal(streamErr.message, "Internal error.");
    const lines = logged.slice(before).join("");
    assert.match(lines, /disk \/var\/secret\/path exploded/);
    // The server kept serving.
    assert.equal((await client.describe()).agent, "claude");
  });
});

describe("status conversion", () => {
  test("every code maps to its gRPC number; pushback only when set", () => {
    for (const code of CODES) {
      const status = toGrpcStatus(new SynapseError(code, "m"));
      assert.equal(status.code, GRPC_STATUS[code]);
      assert.equal(status.details, "m");
      assert.deepEqual(status.metadata.get(PUSHBACK_TRAILER), []);
    }
    const status = toGrpcStatus(new SynapseError("UNAVAILABLE", "m", { retryAfterMs: 250.4 }));
    assert.deepEqual(status.metadata.get(PUSHBACK_TRAILER), ["250"]);
  });

  test("readPushback follows gRFC A6: integer ms, else -1 (do not retry), absent undefined", () => {
    const md = (value?: string) => {
      const m = new Metadata();
      if (value !== undefined) m.set(PUSHBACK_TRAILER, value);
      return m;
    };
    assert.equal(readPushback(md("0")), 0);
    assert.equal(readPushback(md("1200")), 1200);
    assert.equal(readPushback(md("-3")), -1);
    assert.equal(readPushback(md("soon")), -1);
    assert.equal(readPushback(md()), undefined);
    assert.equal(readPushback(undefined), undefined);
  });
});
