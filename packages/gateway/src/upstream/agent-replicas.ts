/**
 * One agent's replicas as the gateway sees them: their addresses (configuration or DNS), the
 * balancer that picks among them, a connection pool per replica for the chosen transport, and a
 * gRPC client per replica for active health checks (grpc.health.v1) and Describe.
 */
import {
  type AgentName,
  type Config,
  type Logger,
  type Next,
  type ServiceDescription,
  SynapseError,
  type TransportName,
} from "@synapse/core";
import {
  ConnectionPool,
  GrpcAgentClient,
  grpcTransport,
  JsonRpcClient,
  jsonRpcTransport,
  type PoolOptions,
} from "@synapse/transport/client";
import { AgentBalancer, DnsDiscovery, type Endpoint } from "../balancer/index.js";
import type { GatewayMetrics } from "../metrics.js";
import { pooledTransport } from "./pooled-transport.js";
import { configuredReplicas, discoveredReplica, type ReplicaAddress } from "./replica-addresses.js";

interface Replica {
  address: ReplicaAddress;
  pool: ConnectionPool<GrpcAgentClient> | ConnectionPool<JsonRpcClient>;
  transport: Next;
  probe: GrpcAgentClient;
  description?: ServiceDescription;
}

export interface AgentReplicasOptions {
  agent: AgentName;
  config: Config;
  transport: TransportName;
  pool?: Partial<PoolOptions>;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Active health-check interval in ms. Defaults to 5 seconds. */
  healthIntervalMs?: number;
}

export class AgentReplicas {
  readonly agent: AgentName;
  readonly balancer: AgentBalancer;
  readonly #replicas = new Map<string, Replica>();
  readonly #options: AgentReplicasOptions;
  readonly #dns: DnsDiscovery | undefined;

  constructor(options: AgentReplicasOptions) {
    this.#options = options;
    this.agent = options.agent;
    const agentConfig = options.config[options.agent];
    this.balancer = new AgentBalancer({
      name: options.agent,
      strategy: agentConfig.balancer,
      healthCheck: {
        check: async (endpoint, signal) => this.#check(endpoint.id, signal),
        intervalMs: options.healthIntervalMs ?? 5_000,
      },
    });
    this.balancer.subscribe((event) => {
      if (event.type === "ejected") {
        options.metrics.ejections.inc({ agent: this.agent, replica: event.endpoint });
        options.logger.warn({ replica: event.endpoint, forMs: event.durationMs }, "replica ejected");
      } else if (event.type === "returned") {
        options.logger.info({ replica: event.endpoint }, "replica returned");
      } else if (event.type === "health") {
        options.logger.info({ replica: event.endpoint, healthy: event.healthy }, "replica health changed");
      }
    });
    if (agentConfig.dns) {
      this.#dns = new DnsDiscovery({
        hostname: agentConfig.dns,
        port: options.transport === "grpc" ? agentConfig.grpcPort : agentConfig.tcpPort,
        onUpdate: (endpoints) =>
          this.#setReplicas(endpoints.map((e) => discoveredReplica(this.agent, agentConfig, e.host))),
        onError: (error) =>
          options.logger.warn({ dns: agentConfig.dns, err: error.message }, "DNS lookup failed"),
      });
    } else {
      this.#setReplicas(configuredReplicas(this.agent, agentConfig, options.config.host));
    }
  }

  start(): void {
    this.balancer.start();
    this.#dns?.start();
  }

  /** The pooled transport to one replica; UNAVAILABLE when it is gone (removed by discovery). */
  transportTo(endpoint: string): Next {
    const replica = this.#replicas.get(endpoint);
    if (replica === undefined) {
      throw new SynapseError("UNAVAILABLE", `Replica ${endpoint} of ${this.agent} is no longer known.`);
    }
    return replica.transport;
  }

  replicas(): { address: ReplicaAddress; description?: ServiceDescription }[] {
    return [...this.#replicas.values()];
  }

  /** Exports pool states and replica health as gauges. */
  observe(): void {
    const { metrics } = this.#options;
    const status = new Map(this.balancer.status().map((s) => [s.id, s]));
    for (const [id, replica] of this.#replicas) {
      const stats = replica.pool.stats();
      for (const state of ["idle", "busy", "connecting"] as const) {
        metrics.poolConnections.set({ agent: this.agent, replica: id, state }, stats[state]);
      }
      metrics.poolWaiters.set({ agent: this.agent, replica: id }, stats.waiters);
      const s = status.get(id);
      metrics.replicaUp.set({ agent: this.agent, replica: id }, s?.healthy && !s.ejected ? 1 : 0);
    }
  }

  async close(): Promise<void> {
    this.#dns?.stop();
    this.balancer.close();
    await Promise.all([...this.#replicas.values()].map((r) => this.#closeReplica(r)));
    this.#replicas.clear();
  }

  #setReplicas(addresses: ReplicaAddress[]): void {
    const wanted = new Map(addresses.map((a) => [a.id, a]));
    for (const [id, replica] of this.#replicas) {
      if (!wanted.has(id)) {
        this.#replicas.delete(id);
        void this.#closeReplica(replica);
      }
    }
    for (const address of addresses) {
      if (!this.#replicas.has(address.id)) this.#replicas.set(address.id, this.#openReplica(address));
    }
    const port = (a: ReplicaAddress) => (this.#options.transport === "grpc" ? a.grpcPort : a.tcpPort);
    const weights = this.#options.config[this.agent].weights.map(Number);
    const endpoints: Endpoint[] = addresses.map((a, i) => ({
      id: a.id,
      host: a.host,
      port: port(a),
      ...(weights[i] === undefined || Number.isNaN(weights[i]) ? {} : { weight: weights[i] }),
    }));
    this.balancer.setEndpoints(endpoints);
  }

  #openReplica(address: ReplicaAddress): Replica {
    const { config, transport, pool: poolOptions } = this.#options;
    const maxMessageBytes = config.grpc.maxMessageBytes;
    const probe = new GrpcAgentClient(`${address.host}:${address.grpcPort}`, { maxMessageBytes });
    if (transport === "grpc") {
      const pool = new ConnectionPool<GrpcAgentClient>(
        address.id,
        {
          connect: async () =>
            new GrpcAgentClient(`${address.host}:${address.grpcPort}`, { maxMessageBytes }),
          close: async (client) => client.close(),
          isHealthy: () => true,
        },
        poolOptions,
      );
      void pool.warm();
      return { address, pool, probe, transport: pooledTransport(pool, grpcTransport) };
    }
    const pool = new ConnectionPool<JsonRpcClient>(
      address.id,
      {
        connect: async () => new JsonRpcClient({ host: address.host, port: address.tcpPort }),
        close: (client) => client.close(),
        isHealthy: () => true,
      },
      poolOptions,
    );
    void pool.warm();
    return { address, pool, probe, transport: pooledTransport(pool, jsonRpcTransport) };
  }

  async #closeReplica(replica: Replica): Promise<void> {
    replica.probe.close();
    await replica.pool.close();
  }

  async #check(endpoint: string, signal: AbortSignal): Promise<"SERVING" | "NOT_SERVING"> {
    const replica = this.#replicas.get(endpoint);
    if (replica === undefined) return "NOT_SERVING";
    const status = await replica.probe.health("", { signal });
    if (status === "SERVING" && replica.description === undefined) {
      replica.description = await replica.probe.describe({ signal }).catch(() => undefined);
    }
    return status;
  }
}
