import assert from "node:assert/strict";
import { test } from "node:test";
import { TickBatch } from "../src/tick-batch.js";

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

test("frames added while the microtask queue drains leave in one write at the next tick", async () => {
  const writes: string[] = [];
  const batch = new TickBatch((text) => writes.push(text));
  // A burst as the route sees it: one frame per microtask.
  await Promise.all(
    ["a", "b", "c"].map(async (frame, i) => {
      for (let k = 0; k < i; k++) await Promise.resolve();
      batch.add(frame);
    }),
  );
  assert.deepEqual(writes, [], "nothing is written before the tick ends");
  await nextTick();
  assert.deepEqual(writes, ["abc"]);
  await new Promise((resolve) => setImmediate(resolve));
  batch.add("d");
  batch.add("e");
  await nextTick();
  assert.deepEqual(writes, ["abc", "de"], "a later turn's frames are a write of their own");
});

test("flush writes what is pending at once, and nothing when there is none", async () => {
  const writes: string[] = [];
  const batch = new TickBatch((text) => writes.push(text));
  batch.flush();
  batch.add("x");
  batch.flush();
  assert.deepEqual(writes, ["x"]);
  await nextTick();
  assert.deepEqual(writes, ["x"], "the scheduled flush finds nothing left");
});
