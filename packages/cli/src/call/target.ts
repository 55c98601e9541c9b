/** Where `synapse call` sends a call: transport, host and port, from the options or the configuration. */
import { type AgentName, type Config, replicaPorts, type TransportName } from "@synapse/core";

export interface TargetOptions {
  transport?: TransportName;
  host?: string;
  port?: number;
  /** Defaults to 0. */
  replica?: number;
}

export interface Target {
  transport: TransportName;
  host: string;
  port: number;
  /** "host:port", IPv6 hosts in brackets. */
  address: string;
  /** "claude#0", or "claude" when the port was given (the replica is then unknown). */
  label: string;
}

/**
 * The configured bind address made into one to connect to: a wildcard bind ("0.0.0.0", "::")
 * is reached on loopback.
 */
export function connectHost(bindHost: string): string {
  if (bindHost === "0.0.0.0" || bindHost === "") return "127.0.0.1";
  if (bindHost === "::") return "::1";
  return bindHost;
}

export function resolveTarget(config: Config, agent: AgentName, options: TargetOptions): Target {
  const transport = options.transport ?? config.client.transport;
  const replica = options.replica ?? 0;
  const settings = config[agent];
  const ports = replicaPorts(
    { grpc: settings.grpcPort, tcp: settings.tcpPort, metrics: settings.metricsPort },
    replica,
  );
  const host = options.host ?? connectHost(config.host);
  const port = options.port ?? ports[transport];
  return {
    transport,
    host,
    port,
    address: host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`,
    label: options.port === undefined ? `${agent}#${replica}` : agent,
  };
}
