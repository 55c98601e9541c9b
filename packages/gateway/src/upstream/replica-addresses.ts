/**
 * Where each agent's replicas are: from configuration (the locally launched replicas, or an
 * explicit `endpoints` list) or from DNS (all A records of a name, for Kubernetes headless
 * services). Every endpoint id starts with the agent's name, so ids are unique across agents and
 * metrics can label by agent and replica.
 */
import { type AgentConfig, type AgentName, replicaPorts, SynapseError } from "@synapse/core";

export interface ReplicaAddress {
  /** e.g. "claude#1" (configured) or "claude@10.0.0.7" (discovered). */
  id: string;
  host: string;
  grpcPort: number;
  tcpPort: number;
}

/** The configured replicas of an agent: `endpoints` when given, else `replicas` on `host`. */
export function configuredReplicas(agent: AgentName, config: AgentConfig, host: string): ReplicaAddress[] {
  if (config.endpoints.length === 0) {
    return Array.from({ length: config.replicas }, (_, i) => {
      const ports = replicaPorts(
        { grpc: config.grpcPort, tcp: config.tcpPort, metrics: config.metricsPort },
        i,
      );
      return { id: `${agent}#${i}`, host, grpcPort: ports.grpc, tcpPort: ports.tcp };
    });
  }
  return config.endpoints.map((entry, i) => parseEndpoint(agent, config, entry, i));
}

/** `host` (the agent's base ports) or `host:grpcPort:tcpPort`. */
function parseEndpoint(agent: AgentName, config: AgentConfig, entry: string, index: number): ReplicaAddress {
  const parts = entry.split(":");
  const env = `SYNAPSE_${agent.toUpperCase()}_ENDPOINTS`;
  if (parts.length === 1 && parts[0]) {
    return { id: `${agent}#${index}`, host: parts[0], grpcPort: config.grpcPort, tcpPort: config.tcpPort };
  }
  const [host, grpc, tcp] = parts;
  const grpcPort = Number(grpc);
  const tcpPort = Number(tcp);
  if (parts.length !== 3 || !host || !isPort(grpcPort) || !isPort(tcpPort)) {
    throw new SynapseError(
      "INVALID_ARGUMENT",
      `${env}: "${entry}" is not host or host:grpcPort:tcpPort (e.g. 10.0.0.5 or 10.0.0.5:5011:5001).`,
    );
  }
  return { id: `${agent}#${index}`, host, grpcPort, tcpPort };
}

function isPort(n: number): boolean {
  return Number.isInteger(n) && n > 0 && n < 65_536;
}

/** A discovered address, with the agent's base ports (every pod of a Deployment listens on the same ones). */
export function discoveredReplica(agent: AgentName, config: AgentConfig, ip: string): ReplicaAddress {
  return { id: `${agent}@${ip}`, host: ip, grpcPort: config.grpcPort, tcpPort: config.tcpPort };
}

/** The agent of an endpoint id ("claude#1" → claude). */
export function agentOf(endpointId: string): string {
  return endpointId.split(/[#@]/)[0] ?? endpointId;
}
