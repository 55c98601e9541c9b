/**
 * Which processes the launcher runs: the agent services, `<agent>.replicas` of each (or a given
 * count), each as `node bin/synapse.js service <agent> --replica i`, and for `up` the gateway
 * (`node <GATEWAY_NODE_FLAGS> bin/synapse.js gateway`).
 */
import { fileURLToPath } from "node:url";
import { AGENTS, type AgentName, type Config, GATEWAY_NODE_FLAGS, replicaPorts } from "@synapse/core";
import type { ChildSpec } from "./child-spec.js";

/** The `synapse` command's script, which the launcher runs again for each child. */
export const SYNAPSE_BIN = fileURLToPath(new URL("../../../bin/synapse.js", import.meta.url));

/** The service processes for `agents`; `replicas` overrides each agent's configured count. */
export function planServices(
  config: Config,
  agents: readonly AgentName[],
  replicas?: number,
  bin: string = SYNAPSE_BIN,
): ChildSpec[] {
  return agents.flatMap((agent) => {
    const count = replicas ?? config[agent].replicas;
    return Array.from({ length: count }, (_, replica) => ({
      name: `${agent}#${replica}`,
      args: [bin, "service", agent, "--replica", String(replica)],
      ports: replicaPorts(
        { grpc: config[agent].grpcPort, tcp: config[agent].tcpPort, metrics: config[agent].metricsPort },
        replica,
      ),
    }));
  });
}

/**
 * Everything `synapse up` runs: the services, then the gateway in front of them. The gateway
 * stops first, so requests it is still answering can reach services that are not yet draining.
 */
export function planSystem(config: Config, bin: string = SYNAPSE_BIN): ChildSpec[] {
  return [
    ...planServices(config, AGENTS, undefined, bin),
    {
      name: "gateway",
      args: [...GATEWAY_NODE_FLAGS, bin, "gateway"],
      ports: { http: config.gateway.port },
      stopsFirst: true,
    },
  ];
}
