/** Ports per DESIGN.md: replica i of a service adds 10·i to each of its base ports. */
import type { AgentName } from "./agents.js";

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
  const offset = 10 * replica;
  return { grpc: base.grpc + offset, tcp: base.tcp + offset, metrics: base.metrics + offset };
}
