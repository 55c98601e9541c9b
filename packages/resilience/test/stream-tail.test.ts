/** Reading a stream from its checkpoint store (stream-tail.ts): ending a reader that waits. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { flushMicrotasks } from "@synapse/core";
import { MemoryCheckpointStore, openTail } from "../src/index.js";
import { chunkText } from "./helpers/fakes.js";

test("return() ends a read waiting on the live tail, and the stream goes on for other readers", async () => {
  const store = new MemoryCheckpointStore();
  await store.create("s_wait");
  const leaving = (await openTail(store, "s_wait", 0))[Symbol.asyncIterator]();
  const staying = (await openTail(store, "s_wait", 0))[Symbol.asyncIterator]();
  let settled = false;
  const waiting = leaving.next().then((r) => {
    settled = true;
    return r;
  });
  await flushMicrotasks();
  assert.equal(settled, false, "nothing was written yet");
  await leaving.return?.();
  assert.deepEqual(await waiting, { done: true, value: undefined });
  await store.append("s_wait", { type: "chunk", streamId: "s_wait", seq: 1, text: chunkText(1) });
  const r = await staying.next();
  assert.equal(r.done, false);
  assert.equal(r.value?.type === "chunk" && r.value.seq, 1);
  await staying.return?.();
  await store.close();
});
