import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:net";
import { describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import type { AgentRequest, StreamEvent } from "@synapse/core";
import { GrpcAgentClient, JsonRpcClient } from "@synapse/transport";
import {
  freePort,
  getJson,
  type ServiceProcess,
  spawnService,
  startService,
  stopService,
} from "./process-helpers.js";

const PLAN: AgentRequest = { agent: "claude", action: "plan", input: { task: "Plan a URL shortener" } };

/** Polls /health (every 5 ms) until `ok` holds for its JSON body; a condition wait, not a timing guess. */
async function healthUntil(
  proc: ServiceProcess,
  ok: (status: number, body: Record<string, unknown>) => boolean,
) {
  // Bounded, so a broken service fails the test instead of hanging it.
  for (let attempt = 0; attempt < 2000; attempt++) {
    const { status, body } = await getJson(proc.ports.metrics, "/health");
    if (ok(status, JSON.parse(body) as Record<string, unknown>)) return;
    await delay(5);
  }
  throw new Error("the service's /health never reached the expected state");
}

async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error("expected a rejection");
}

describe("service process lifecycle", () => {
  test("SIGTERM with calls in flight: health turns 503, the calls complete, the process exits 0", async () => {
    const proc = await startService("claude", { SYNAPSE_CLAUDE_SIM_TOKENS_PER_SECOND: "100" });
    const tcp = new JsonRpcClient({ port: proc.ports.tcp });
    const grpc = new GrpcAgentClient(`127.0.0.1:${proc.ports.grpc}`);
    try {
      const stream = grpc.stream(PLAN)[Symbol.asyncIterator]();
      const first = await stream.next();
      assert.equal(first.value?.type, "chunk");
      const unary = tcp.invoke(PLAN);
      await healthUntil(proc, (_, b) => b.inFlight === 2);
      proc.child.kill("SIGTERM");
      await healthUntil(proc, (s, b) => s === 503 && b.status === "NOT_SERVING");
      const rest: StreamEvent[] = [];
      for (let r = await stream.next(); !r.done; r = await stream.next()) rest.push(r.value);
      assert.equal(rest.at(-1)?.type, "final", "the stream ran to its final event");
      assert.ok((await unary).text.length > 0, "the unary call completed");
      assert.equal(await proc.exited, 0);
    } finally {
      await tcp.close();
      grpc.close();
      await stopService(proc);
    }
  });

  test("SIGTERM: calls still running after the drain timeout are cancelled UNAVAILABLE, and the exit is 0", async () => {
    const proc = await startService("claude", {
      SYNAPSE_CLAUDE_SIM_HANG_RATE: "1",
      SYNAPSE_DRAIN_TIMEOUT_MS: "200",
    });
    const tcp = new JsonRpcClient({ port: proc.ports.tcp });
    const grpc = new GrpcAgentClient(`127.0.0.1:${proc.ports.grpc}`);
    try {
      const calls = [rejection(tcp.invoke(PLAN)), rejection(grpc.invoke(PLAN))];
      await healthUntil(proc, (_, b) => b.inFlight === 2);
      proc.child.kill("SIGTERM");
      for (const err of await Promise.all(calls)) {
        assert.equal(err.code, "UNAVAILABLE");
        assert.match(err.message, /shutting down/);
      }
      assert.equal(await proc.exited, 0);
    } finally {
      await tcp.close();
      grpc.close();
      await stopService(proc);
    }
  });

  test("a simulated crash kills the process on that call; the caller sees UNAVAILABLE", async () => {
    const proc = await startService("claude", { SYNAPSE_CLAUDE_SIM_CRASH_AFTER: "2" });
    const tcp = new JsonRpcClient({ port: proc.ports.tcp });
    try {
      await tcp.invoke(PLAN);
      assert.equal((await rejection(tcp.invoke(PLAN))).code, "UNAVAILABLE");
      assert.equal(await proc.exited, "SIGKILL");
    } finally {
      await tcp.close();
      await stopService(proc);
    }
  });

  test("invalid configuration prints the problem and exits 2", async () => {
    const proc = spawnService("claude", { SYNAPSE_CLAUDE_TCP_PORT: "not-a-port" });
    assert.equal(await proc.exited, 2);
    assert.match(proc.stderr(), /Invalid configuration:[\s\S]*SYNAPSE_CLAUDE_TCP_PORT/);
    assert.doesNotMatch(proc.stderr(), /\n\s+at /, "no stack trace");
    const unknown = spawnService("gpt", {});
    assert.equal(await unknown.exited, 2);
    assert.match(unknown.stderr(), /Unknown agent "gpt"/);
  });

  test("a port in use exits 1 naming the port and the setting to change", async () => {
    const blocker = createServer().listen(0, "127.0.0.1");
    await once(blocker, "listening");
    const taken = (blocker.address() as { port: number }).port;
    try {
      const proc = spawnService("codex", {
        SYNAPSE_CODEX_TCP_PORT: String(taken),
        SYNAPSE_CODEX_GRPC_PORT: String(await freePort()),
        SYNAPSE_CODEX_METRICS_PORT: String(await freePort()),
      });
      assert.equal(await proc.exited, 1);
      assert.match(
        proc.stderr(),
        new RegExp(`cannot listen for JSON-RPC on 127\\.0\\.0\\.1:${taken}.*SYNAPSE_CODEX_TCP_PORT`),
      );
    } finally {
      blocker.close();
    }
  });
});
