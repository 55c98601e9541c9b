import assert from "node:assert/strict";
import { test } from "node:test";
import { type AgentResponse, type Next, settleCall, type UnaryCall } from "../src/index.js";

const call: UnaryCall = {
  stream: false,
  request: { agent: "claude", action: "plan", input: { task: "t" } },
  signal: new AbortController().signal,
  deadline: undefined,
  metadata: {},
};
const response = { agent: "claude", text: "ok" } as unknown as AgentResponse;

test("settleCall: ok sees the output; a rejection and a synchronous throw both reach failed, which rethrows", async () => {
  const seen: string[] = [];
  const ok = <O>(output: O): O => {
    seen.push("ok");
    return output;
  };
  const failed = (err: unknown): never => {
    seen.push(`failed: ${(err as Error).message}`);
    throw err;
  };
  const answers: Next = (async () => ({ stream: false, response })) as unknown as Next;
  assert.deepEqual(await settleCall(answers, call, ok, failed), { stream: false, response });

  const rejects: Next = (() => Promise.reject(new Error("rejected"))) as Next;
  await assert.rejects(settleCall(rejects, call, ok, failed), /rejected/);

  const throws: Next = (() => {
    throw new Error("thrown");
  }) as Next;
  const settled = settleCall(throws, call, ok, failed);
  assert.ok(settled instanceof Promise, "a synchronous throw becomes a rejected promise");
  await assert.rejects(settled, /thrown/);

  assert.deepEqual(seen, ["ok", "failed: rejected", "failed: thrown"]);
});
