/**
 * Scenario 3 — transports: one sim service with no latency called in-process with the real
 * clients of @synapse/transport (gRPC and JSON-RPC/TCP, unary and streaming), against the limit:
 * a bare grpc-js client and server exchanging the very same protobuf messages (echo server).
 * Each client uses one connection, so the three are compared like for like.
 */
import type { AgentRequest, StreamEvent } from "@synapse/core";
import { GrpcAgentClient, JsonRpcClient } from "@synapse/transport";
import { type RunContext, repeated } from "../context.js";
import { type ClosedLoopResult, closedLoop } from "../load/closed-loop.js";
import { cpuPerRequest, cpuSnapshot, selfCpuMs } from "../proc-stats.js";
import type { Child } from "../processes/child.js";
import { type InvokeRequest, rawClient, rawInvoke, rawStream } from "../processes/raw-grpc.js";
import type { TransportRow } from "../results.js";
import { summarize } from "../stats.js";
import type { ServiceChild } from "../system/processes.js";

export const TRANSPORT_REQUEST: AgentRequest = {
  agent: "claude",
  action: "plan",
  input: { task: "Add a health endpoint to the billing service" },
};

/** The same request as the bare generated client sends it. */
export const RAW_REQUEST: InvokeRequest = {
  agent: "claude",
  action: "plan",
  input: TRANSPORT_REQUEST.input,
  requestId: "",
  streamId: "",
  continuation: undefined,
};

async function drain(events: AsyncIterable<StreamEvent>): Promise<boolean> {
  let final = false;
  for await (const event of events) final = event.type === "final";
  return final;
}

interface Case {
  name: string;
  kind: "unary" | "stream";
  server: Child;
  call: () => Promise<boolean>;
}

export async function runTransports(
  ctx: RunContext,
  service: ServiceChild,
  echo: { child: Child; address: string },
): Promise<TransportRow[]> {
  const grpc = new GrpcAgentClient(`127.0.0.1:${service.grpcPort}`);
  const tcp = new JsonRpcClient({ host: "127.0.0.1", port: service.tcpPort });
  const raw = rawClient(echo.address);
  const cases: Case[] = [
    {
      name: "grpc-js echo (limit)",
      kind: "unary",
      server: echo.child,
      call: async () => Boolean(await rawInvoke(raw, RAW_REQUEST)),
    },
    {
      name: "Synapse gRPC",
      kind: "unary",
      server: service,
      call: async () => Boolean(await grpc.invoke(TRANSPORT_REQUEST)),
    },
    {
      name: "Synapse JSON-RPC/TCP",
      kind: "unary",
      server: service,
      call: async () => Boolean(await tcp.invoke(TRANSPORT_REQUEST)),
    },
    {
      name: "grpc-js echo (limit)",
      kind: "stream",
      server: echo.child,
      call: async () => (await rawStream(raw, RAW_REQUEST)).length > 0,
    },
    {
      name: "Synapse gRPC",
      kind: "stream",
      server: service,
      call: () => drain(grpc.stream(TRANSPORT_REQUEST)),
    },
    {
      name: "Synapse JSON-RPC/TCP",
      kind: "stream",
      server: service,
      call: () => drain(tcp.stream(TRANSPORT_REQUEST)),
    },
  ];
  const { transportConcurrency: concurrency, transportMs, warmupMs, repeats } = ctx.sizes;
  const runs = new Map<
    Case,
    { rps: number[]; last?: ClosedLoopResult; cpu?: Record<string, number>; failed: number }
  >(cases.map((c) => [c, { rps: [], failed: 0 }]));
  try {
    for (let round = 0; round < repeats; round++) {
      for (const c of cases) {
        ctx.log(`transports: ${c.name} ${c.kind} (round ${round + 1}/${repeats})`);
        await closedLoop(concurrency, warmupMs, c.call);
        const pids = { [c.server === echo.child ? "echo" : "service"]: c.server.pid };
        const before = cpuSnapshot(pids);
        const self = selfCpuMs();
        const result = await closedLoop(concurrency, transportMs, c.call);
        const cpu = cpuPerRequest(before, cpuSnapshot(pids), result.ok);
        cpu.client = result.ok > 0 ? ((selfCpuMs() - self) * 1000) / result.ok : Number.NaN;
        const run = runs.get(c)!;
        run.rps.push(result.ok / result.seconds);
        run.last = result;
        run.cpu = cpu;
        run.failed += result.failed;
        if (result.firstError !== undefined) ctx.log(`transports: ${c.name} ${c.kind}: ${result.firstError}`);
      }
    }
  } finally {
    grpc.close();
    await tcp.close();
    raw.close();
  }
  const rows: TransportRow[] = cases.map((c) => {
    const run = runs.get(c)!;
    return {
      name: c.name,
      kind: c.kind,
      rps: repeated(run.rps),
      latency: summarize(run.last?.latenciesMs ?? []),
      cpuUsPerRequest: run.cpu ?? {},
      failed: run.failed,
    };
  });
  for (const row of rows) {
    const limit = rows.find((r) => r.kind === row.kind && r.name.startsWith("grpc-js"));
    if (limit && limit.rps.median > 0) row.ofLimitPct = (100 * row.rps.median) / limit.rps.median;
  }
  return rows;
}
