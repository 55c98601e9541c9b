import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  ACTIONS_BY_AGENT,
  type ActionName,
  AGENTS,
  type AgentName,
  type AgentRequest,
  hashText,
  RESULT_SCHEMAS,
  type StreamEvent,
} from "@synapse/core";
import { GrpcAgentClient, JsonRpcClient } from "@synapse/transport";
import { getJson, type ServiceProcess, startService, stopService } from "./process-helpers.js";

const INPUTS: Record<ActionName, Record<string, unknown>> = {
  plan: { task: "Plan a URL shortener" },
  code: { task: "Write a URL shortener" },
  analyze: { text: "eval(x)\n// TODO\n" },
  review: { code: "const a = 1;\n" },
  // Runs for real in a fresh workspace (the executor); a quoted argument stays one argument.
  execute: { command: "echo 'a b'" },
};

interface Clients {
  proc: ServiceProcess;
  tcp: JsonRpcClient;
  grpc: GrpcAgentClient;
}

type Transport = "tcp" | "grpc";

async function drain(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error("expected a rejection");
}

describe("service processes over both transports", () => {
  const services = new Map<AgentName, Clients>();

  before(async () => {
    await Promise.all(
      AGENTS.map(async (agent) => {
        const proc = await startService(agent);
        services.set(agent, {
          proc,
          tcp: new JsonRpcClient({ port: proc.ports.tcp }),
          grpc: new GrpcAgentClient(`127.0.0.1:${proc.ports.grpc}`),
        });
      }),
    );
  });

  after(async () => {
    const codes = await Promise.all(
      [...services.values()].map(async ({ proc, tcp, grpc }) => {
        await tcp.close();
        grpc.close();
        return stopService(proc);
      }),
    );
    assert.deepEqual(codes, [0, 0, 0], "each process exits 0 on SIGTERM");
  });

  for (const transport of ["tcp", "grpc"] as Transport[]) {
    test(`every action, unary and streaming, over ${transport}`, async () => {
      for (const agent of AGENTS) {
        const client = services.get(agent)![transport];
        for (const action of ACTIONS_BY_AGENT[agent]) {
          const request: AgentRequest = { agent, action, input: INPUTS[action] };
          const res = await client.invoke(request);
          assert.equal(res.provider, "sim");
          assert.ok(RESULT_SCHEMAS[action].safeParse(res.result).success, `${agent}.${action} result`);
          const events = await drain(client.stream(request));
          const final = events.at(-1)!;
          assert.equal(final.type, "final");
          if (final.type !== "final") continue;
          const chunks = events.slice(0, -1);
          assert.deepEqual(
            chunks.map((c) => (c.type === "chunk" ? c.seq : -1)),
            chunks.map((_, i) => i + 1),
          );
          const text = chunks.map((c) => (c.type === "chunk" ? c.text : "")).join("");
          assert.equal(text, res.text, "the stream's text is the unary text");
          assert.equal(final.hash, hashText(text));
          // Commands really run twice here: only their durations may differ.
          const stable = (r: Record<string, unknown>) =>
            action === "execute"
              ? {
                  ...r,
                  commands: (r.commands as { durationMs: number }[]).map(({ durationMs: _d, ...c }) => c),
                }
              : r;
          assert.deepEqual(stable(final.response.result), stable(res.result));
          const resumed = await drain(client.resume(final.streamId, 2));
          assert.deepEqual(resumed, events.slice(2), "resume after seq 2");
        }
      }
    });

    test(`unknown agent or action is NOT_FOUND, bad input INVALID_ARGUMENT, over ${transport}`, async () => {
      const client = services.get("claude")![transport];
      const otherAgent = await rejection(
        client.invoke({ agent: "gemini", action: "review", input: INPUTS.review }),
      );
      assert.equal(otherAgent.code, "NOT_FOUND");
      assert.match(otherAgent.message, /not served here/);
      const unknownAgent = { agent: "gpt", action: "plan", input: INPUTS.plan } as unknown as AgentRequest;
      assert.equal((await rejection(client.invoke(unknownAgent))).code, "NOT_FOUND");
      const noAction = { agent: "claude", action: "review", input: INPUTS.review } as unknown as AgentRequest;
      assert.equal((await rejection(drain(client.stream(noAction)))).code, "NOT_FOUND");
      const bad = await rejection(client.invoke({ agent: "claude", action: "plan", input: { task: "" } }));
      assert.equal(bad.code, "INVALID_ARGUMENT");
      assert.match(bad.message, /input\.task/);
      assert.equal((await rejection(drain(client.resume("s_unknown", 0)))).code, "NOT_FOUND");
    });
  }

  test("/health answers 200 with JSON and /metrics counts calls by action and code", async () => {
    const { proc } = services.get("gemini")!;
    const health = await getJson(proc.ports.metrics, "/health");
    assert.equal(health.status, 200);
    assert.deepEqual(
      { ...JSON.parse(health.body), inFlight: 0 },
      {
        status: "SERVING",
        agent: "gemini",
        replica: 0,
        provider: "sim",
        model: "sim-1",
        isolation: "none",
        inFlight: 0,
      },
    );
    await services.get("gemini")!.tcp.invoke({ agent: "gemini", action: "analyze", input: INPUTS.analyze });
    const metrics = await getJson(proc.ports.metrics, "/metrics");
    assert.equal(metrics.status, 200);
    assert.match(
      metrics.body,
      /synapse_service_calls_total\{kind="invoke",action="analyze",code="OK",agent="gemini",replica="0"\} [1-9]/,
    );
    assert.match(
      metrics.body,
      /synapse_service_call_duration_seconds_bucket\{[^}]*kind="invoke",action="analyze",code="OK"[^}]*\} [1-9]/,
    );
    assert.match(metrics.body, /synapse_service_calls_in_flight\{agent="gemini",replica="0"\} 0/);
    assert.match(metrics.body, /process_cpu_user_seconds_total/);
    assert.equal((await getJson(proc.ports.metrics, "/nope")).status, 404);
  });
});
