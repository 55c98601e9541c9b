/**
 * Ports for real services in tests. Replica i adds 100·i to each base port (REPLICA_PORT_STEP),
 * so the bases of the three agents' gRPC, TCP and metrics ports sit in one block of ten (offsets
 * 0–8, the gateway 9) and replica i takes the block 100·i above; blocks are used only if every
 * port in them is free right now, and lie below the kernel's ephemeral range (@synapse/testkit).
 */
import { AGENTS, REPLICA_PORT_STEP } from "@synapse/core";
import { freePortBlock } from "@synapse/testkit";

/**
 * SYNAPSE_<AGENT>_{GRPC,TCP,METRICS}_PORT for free ports with room for `replicas` replicas, and
 * SYNAPSE_GATEWAY_PORT.
 */
export async function freePortEnv(replicas = 1): Promise<Record<string, string>> {
  const offsets = Array.from({ length: replicas }, (_, r) =>
    Array.from({ length: 10 }, (_, i) => REPLICA_PORT_STEP * r + i),
  ).flat();
  const base = await freePortBlock(offsets);
  const env: Record<string, string> = {};
  AGENTS.forEach((agent, i) => {
    const A = agent.toUpperCase();
    env[`SYNAPSE_${A}_TCP_PORT`] = String(base + i);
    env[`SYNAPSE_${A}_GRPC_PORT`] = String(base + 3 + i);
    env[`SYNAPSE_${A}_METRICS_PORT`] = String(base + 6 + i);
  });
  env.SYNAPSE_GATEWAY_PORT = String(base + 9);
  return env;
}

/** The sim with no latency, so calls in tests take milliseconds. */
export const FAST_SIM: Record<string, string> = Object.fromEntries(
  AGENTS.flatMap((agent) => [
    [`SYNAPSE_${agent.toUpperCase()}_SIM_TTFT_MS`, "0"],
    [`SYNAPSE_${agent.toUpperCase()}_SIM_TOKENS_PER_SECOND`, "0"],
  ]),
);
