import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  AgentServiceService,
  type DescribeResponse,
  type InvokeResponse,
  type StreamEvent,
} from "../src/generated/synapse/v1/agent.js";
import { AgentServiceCalling, AgentServiceServing } from "../src/grpc/reused-writer.js";

const chunk = (seq: number, text: string): StreamEvent => ({
  event: { $case: "chunk", chunk: { streamId: "s_1", seq, text } },
});

test("answers encoded into the reused writer are byte for byte the generated encoding, in any order of sizes", () => {
  const generated = AgentServiceService.stream.responseSerialize;
  const reused = AgentServiceServing.stream.responseSerialize;
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(), fc.string({ unit: "grapheme", maxLength: 3_000 })), { maxLength: 20 }),
      (events) => {
        // A long answer then a short one: the short one must not carry the long one's tail.
        for (const [seq, text] of events)
          assert.deepEqual(reused(chunk(seq, text)), generated(chunk(seq, text)));
      },
    ),
  );
  const invoke: InvokeResponse = {
    result: {
      agent: "claude",
      action: "plan",
      text: "1. Do it",
      result: { steps: [{ id: 1, goal: "Do it", check: "it is done" }] },
      usage: { inputTokens: 3, outputTokens: 4 },
      provider: "sim",
      model: "sim-1",
      latencyMs: 12,
      fallback: undefined,
    },
  };
  assert.deepEqual(
    AgentServiceServing.invoke.responseSerialize(invoke),
    AgentServiceService.invoke.responseSerialize(invoke),
  );
  const describe: DescribeResponse = {
    agent: "claude",
    actions: [{ name: "plan", description: "Plans" }],
    provider: "sim",
    model: "sim-1",
    isolation: "none",
    replica: 0,
    version: "0.1.0",
  };
  assert.deepEqual(
    AgentServiceServing.describe.responseSerialize(describe),
    AgentServiceService.describe.responseSerialize(describe),
  );
});

test("an answer that fails to encode leaves the next one whole (the half-written writer is replaced)", () => {
  const reused = AgentServiceServing.stream.responseSerialize;
  // A Struct cannot hold a BigInt: encoding throws midway through the final event.
  const broken = {
    event: {
      $case: "final",
      final: { streamId: "s_1", lastSeq: 1, hash: "h", result: { result: { n: 1n } } },
    },
  } as unknown as StreamEvent;
  assert.throws(() => reused(broken));
  assert.deepEqual(
    reused(chunk(2, "after")),
    AgentServiceService.stream.responseSerialize(chunk(2, "after")),
  );
});

test("requests encoded into the reused writer are byte for byte the generated encoding", () => {
  const json = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }));
  fc.assert(
    fc.property(
      fc.record({
        agent: fc.string(),
        action: fc.string(),
        input: fc.option(json, { nil: undefined }),
        requestId: fc.string(),
        streamId: fc.string(),
      }),
      fc.nat(),
      (request, afterSeq) => {
        const invoke = { ...request, continuation: undefined };
        for (const kind of ["invoke", "stream"] as const) {
          assert.deepEqual(
            AgentServiceCalling[kind].requestSerialize(invoke),
            AgentServiceService[kind].requestSerialize(invoke),
          );
        }
        const resume = { streamId: request.streamId, afterSeq };
        assert.deepEqual(
          AgentServiceCalling.resume.requestSerialize(resume),
          AgentServiceService.resume.requestSerialize(resume),
        );
      },
    ),
  );
});
