/**
 * Ports per DESIGN.md, with one deliberate change: replica i of a service adds 100·i (not 10·i)
 * to each of its base ports. With 10·i, replica 1's JSON-RPC port (5001 + 10) is replica 0's gRPC
 * port (5011), so two replicas of one agent could never run on one host; with 100·i no two ports
 * of any agents' replicas meet for up to MAX_REPLICAS replicas.
 */
import type { AgentName } from "./agents.js";

/** What replica i adds per index to each base port. */
export const REPLICA_PORT_STEP = 100;

/** Replicas per agent at most: replica 40's gRPC port would meet replica 0's metrics port. */
export const MAX_REPLICAS = 32;

export const BASE_PORTS: Record<AgentName, { grpc: number; tcp: number; metrics: number }> = {
  claude: { grpc: 5011, tcp: 5001, metrics: 9011 },
  gemini: { grpc: 5012, tcp: 5002, metrics: 9012 },
  codex: { grpc: 5013, tcp: 5003, metrics: 9013 },
};

export interface ServicePorts {
  grpc: number;
  tcp: number;
  metrics: number;
}

/** The ports of replica `replica` (0-based), from the configured base ports of the agent. */
export function replicaPorts(base: ServicePorts, replica: number): ServicePorts {
  const offset = REPLICA_PORT_STEP * replica;
  return { grpc: base.grpc + offset, tcp: base.tcp + offset, metrics: base.metrics + offset };
}
