/** The gateway's innermost Next (upstream/pooled-transport.ts): a stream gives its connection share back. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Call, CallOutput, Next, StreamEvent } from "@synapse/core";
import { ConnectionPool } from "@synapse/transport";
import { pooledTransport } from "../src/upstream/pooled-transport.js";

function streamingNext(events: StreamEvent[]): Next {
  return (async (_call: Call): Promise<CallOutput> => ({
    stream: true,
    events: (async function* () {
      yield* events;
    })(),
  })) as Next;
}

const call = {
  stream: true as const,
  request: { agent: "claude" as const, action: "plan" as const, input: { task: "t" } },
  signal: new AbortController().signal,
  deadline: undefined,
  metadata: {},
};

test("a stream's connection share is given back when it ends, and when its consumer leaves before reading", async () => {
  const pool = new ConnectionPool("fake", {
    connect: async () => ({}),
    close: async () => {},
    isHealthy: () => true,
  });
  const chunk: StreamEvent = { type: "chunk", streamId: "s", seq: 1, text: "a" };
  const next = pooledTransport(pool, () => streamingNext([chunk]));

  const read = await next(call);
  assert.equal(pool.stats().activeCalls, 1);
  for await (const _ of read.events) {
    // drain
  }
  assert.equal(pool.stats().activeCalls, 0, "not given back at the stream's end");

  const left = await next(call);
  assert.equal(pool.stats().activeCalls, 1);
  await left.events[Symbol.asyncIterator]().return?.();
  assert.equal(pool.stats().activeCalls, 0, "not given back when the consumer left before reading");
  await pool.close();
});
