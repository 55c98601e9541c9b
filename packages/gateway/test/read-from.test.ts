/** A route's reader of the stream it opened (upstream/read-from.ts). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { SynapseError } from "@synapse/core";
import { MemoryCheckpointStore, openTail } from "@synapse/resilience";
import { readFrom } from "../src/upstream/read-from.js";

const chunk = (seq: number) => ({ type: "chunk" as const, streamId: "s_read", seq, text: `t${seq}` });

test("readFrom gives the event already taken, then the rest; the client leaving fails a waiting read CANCELLED", async () => {
  const store = new MemoryCheckpointStore();
  await store.create("s_read");
  const tail = (await openTail(store, "s_read", 0))[Symbol.asyncIterator]();
  await store.append("s_read", chunk(1));
  const first = await tail.next();
  const controller = new AbortController();
  const reader = readFrom(first, tail, controller.signal)[Symbol.asyncIterator]();
  assert.equal((await reader.next()).value?.type === "chunk" && first.value, first.value);
  await store.append("s_read", chunk(2));
  const second = await reader.next();
  assert.equal(second.value?.type === "chunk" && second.value.seq, 2);
  const waiting = reader.next();
  controller.abort(new SynapseError("CANCELLED", "The client went away."));
  await assert.rejects(waiting, (err: unknown) => err instanceof SynapseError && err.code === "CANCELLED");
  // The stream itself goes on: a later reader gets what follows.
  await store.append("s_read", chunk(3));
  assert.equal((await store.read("s_read", 0)).lastSeq, 3);
  await store.close();
});
