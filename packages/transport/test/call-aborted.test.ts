import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import { Metadata } from "@grpc/grpc-js";
import { type AgentHandler, type CallContext, FakeClock, SynapseError } from "@synapse/core";
import { CallScope, type ServerCall } from "../src/grpc/call-scope.js";
import { registerAgentMethods } from "../src/jsonrpc/agent-methods.js";
import type { JsonRpcMethod, JsonRpcMethodContext } from "../src/jsonrpc/method.js";

/** A grpc-js server call as a scope sees it: a deadline, metadata and the "cancelled" event. */
function serverCall(deadline: number): ServerCall & EventEmitter {
  return Object.assign(new EventEmitter(), {
    getDeadline: () => deadline,
    metadata: new Metadata(),
  }) as unknown as ServerCall & EventEmitter;
}

test("a gRPC call's context says whether it is aborted without its signal, and a signal read late carries the reason", async () => {
  const clock = new FakeClock();
  const call = serverCall(clock.now() + 1000);
  const scope = new CallScope(call, clock, new Set());
  assert.equal(scope.ctx.aborted?.(), false);
  await clock.advanceAsync(1000);
  assert.equal(scope.ctx.aborted?.(), true);
  assert.equal(scope.ctx.signal.aborted, true);
  assert.equal((scope.ctx.signal.reason as SynapseError).code, "DEADLINE_EXCEEDED");
  // The first reason stands: a later abort or cancel changes nothing.
  scope.abort(new SynapseError("UNAVAILABLE", "shutting down"));
  call.emit("cancelled");
  assert.equal((scope.failure(new Error("AbortError")) as SynapseError).code, "DEADLINE_EXCEEDED");
  scope.end();

  const early = new CallScope(serverCall(Number.POSITIVE_INFINITY), clock, new Set());
  const { signal } = early.ctx;
  early.abort(new SynapseError("UNAVAILABLE", "shutting down"));
  assert.equal(early.ctx.aborted?.(), true);
  assert.equal((signal.reason as SynapseError).code, "UNAVAILABLE");
  early.end();
});

test("a JSON-RPC call's context answers aborted() from the connection's call", async () => {
  const methods = new Map<string, JsonRpcMethod>();
  const seen: (boolean | undefined)[] = [];
  registerAgentMethods({ method: (name, fn) => methods.set(name, fn) }, {
    invoke: async (_request: unknown, ctx: CallContext) => {
      seen.push(ctx.aborted?.());
      ctx.abort?.(new SynapseError("CANCELLED", "gone"));
      seen.push(ctx.aborted?.());
      return {};
    },
  } as unknown as AgentHandler);
  const controller = new AbortController();
  const ctx: JsonRpcMethodContext = {
    id: 1,
    get signal() {
      return controller.signal;
    },
    aborted: false,
    setTimeout: () => 0,
    abort(reason) {
      (this as { aborted: boolean }).aborted = true;
      controller.abort(reason);
    },
    notify: () => undefined,
  };
  await methods.get("agent.invoke")?.({ agent: "claude", action: "plan", input: { task: "t" } }, ctx);
  assert.deepEqual(seen, [false, true]);
});
