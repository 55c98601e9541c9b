/**
 * The gateway's Upstream: every call goes metrics → checkpoint → fallback → retry (each attempt
 * re-picks a replica through the agent's balancer, avoiding the ones that just failed) → circuit
 * breaker (per replica) → adaptive timeout → call tracking (feeds the balancer) → pooled
 * transport. Streams are recorded in the checkpoint store before any client sees a chunk, run to
 * their end whoever listens, and are read back by seq for resume.
 */
import {
  AGENTS,
  type AgentName,
  type AgentRequest,
  type AgentResponse,
  type Config,
  chain,
  type Logger,
  NO_TRACING,
  newStreamId,
  type StreamEvent,
  SynapseError,
  type Tracing,
  type TransportName,
  traceAttempts,
} from "@synapse/core";
import {
  type CheckpointStore,
  closeQuietly,
  type ResilienceOptionsInput,
  ResilientClient,
  type ResponseCacheStore,
  resilienceOptionsFromConfig,
} from "@synapse/resilience";
import type { PoolOptions } from "@synapse/transport";
import { trackCalls } from "../balancer/index.js";
import type { GatewayMetrics } from "../metrics.js";
import type { AgentHealth, OpenedStream, Upstream, UpstreamOptions } from "../upstream.js";
import { AgentReplicas } from "./agent-replicas.js";
import { DirectCalls } from "./direct-calls.js";
import { readFrom } from "./read-from.js";
import { agentOf } from "./replica-addresses.js";
import { attemptMetrics, wireMetrics } from "./upstream-metrics.js";

export interface ResilientUpstreamOptions {
  config: Config;
  logger: Logger;
  metrics: GatewayMetrics;
  checkpointStore: CheckpointStore;
  /** The fallback's cache; defaults to an LRU in this process. Shared state passes Redis's. */
  responseCache?: ResponseCacheStore;
  /** Overrides the transport in config (gateway.transport). */
  transport?: TransportName;
  resilience?: ResilienceOptionsInput;
  pool?: Partial<PoolOptions>;
  healthIntervalMs?: number;
  /** Spans for each attempt to a replica, carrying the trace to it. Defaults to none. */
  tracing?: Tracing;
}

/** The connection pool settings of the configuration (SYNAPSE_POOL_*). */
export function poolOptionsFromConfig(config: Config): Partial<PoolOptions> {
  const g = config.gateway;
  return {
    min: Math.min(g.poolMin, g.poolMax),
    max: g.poolMax,
    maxConcurrentPerConnection: g.poolStreamsPerConnection,
    acquireTimeoutMs: g.poolAcquireTimeoutMs,
    idleTimeoutMs: g.poolIdleTimeoutMs,
  };
}

const BREAKER_STATE = { CLOSED: "closed", OPEN: "open", HALF_OPEN: "half_open" } as const;

export class ResilientUpstream implements Upstream {
  readonly client: ResilientClient;
  readonly #agents = new Map<AgentName, AgentReplicas>();
  /** Aborted on close: stops streams still running with no one to finish them for. */
  readonly #shutdown = new AbortController();
  readonly #options: ResilientUpstreamOptions;
  readonly #observer: NodeJS.Timeout;
  /** Set when gateway.resilience is off: calls skip the chain (see direct-calls.ts). */
  readonly #direct: DirectCalls | undefined;

  constructor(options: ResilientUpstreamOptions) {
    this.#options = options;
    const transport = options.transport ?? options.config.gateway.transport;
    for (const agent of AGENTS) {
      this.#agents.set(
        agent,
        new AgentReplicas({
          agent,
          config: options.config,
          transport,
          metrics: options.metrics,
          logger: options.logger,
          pool: { ...poolOptionsFromConfig(options.config), ...options.pool },
          healthIntervalMs: options.healthIntervalMs ?? options.config.gateway.healthIntervalMs,
        }),
      );
    }
    const tracking = trackCalls((agent) => this.#agents.get(agent as AgentName)?.balancer);
    const attempts = attemptMetrics(options.metrics);
    const spans = traceAttempts(options.tracing ?? NO_TRACING);
    this.client = new ResilientClient({
      endpoints: {},
      transportFor: (endpoint) => {
        const replicas = this.#replicasOf(agentOf(endpoint));
        return chain([tracking, attempts, spans], (call) => replicas.transportTo(endpoint)(call));
      },
      pickEndpoint: (call, exclude) =>
        this.#replicasOf(call.request.agent).balancer.pickEndpoint(call, exclude),
      checkpointStore: options.checkpointStore,
      ...(options.responseCache === undefined ? {} : { responseCache: options.responseCache }),
      options: options.resilience ?? resilienceOptionsFromConfig(options.config),
    });
    this.#direct =
      options.config.gateway.resilience === "off"
        ? new DirectCalls({
            balancerOf: (agent) => this.#replicasOf(agent).balancer,
            transportTo: (endpoint) => this.#replicasOf(agentOf(endpoint)).transportTo(endpoint),
            metrics: options.metrics,
            checkpointer: this.client.chain.checkpointer,
          })
        : undefined;
    wireMetrics(
      this.client.events,
      options.metrics,
      options.logger,
      (agent) => this.#replicasOf(agent).balancer.strategyName,
    );
    this.#observer = setInterval(() => this.observe(), 5_000);
    this.#observer.unref();
  }

  start(): void {
    for (const replicas of this.#agents.values()) replicas.start();
  }

  /** Refreshes the gauges (pools, replica health, breaker states). */
  observe(): void {
    for (const replicas of this.#agents.values()) replicas.observe();
    for (const [endpoint, state] of Object.entries(this.client.chain.breakers.states())) {
      const value = state === "CLOSED" ? 0 : state === "HALF_OPEN" ? 1 : 2;
      this.#options.metrics.breakerState.set({ agent: agentOf(endpoint), replica: endpoint }, value);
    }
  }

  invoke(request: AgentRequest, options: UpstreamOptions): Promise<AgentResponse> {
    return (this.#direct ?? this.client).invoke(request.agent, request.action, request.input, {
      signal: options.signal,
      deadline: options.deadline,
      requestId: options.requestId,
      metadata: { "x-request-id": options.requestId },
    });
  }

  async startStream(
    request: AgentRequest,
    options: Omit<UpstreamOptions, "signal"> & { signal?: AbortSignal },
  ): Promise<string> {
    const { streamId, iterator } = await this.#open(request, options);
    // The recording goes on in the checkpoint layer whether or not anyone reads it.
    closeQuietly(iterator);
    return streamId;
  }

  async openStream(
    request: AgentRequest,
    options: Omit<UpstreamOptions, "signal"> & { signal?: AbortSignal },
    readSignal: AbortSignal,
  ): Promise<OpenedStream> {
    const { streamId, first, iterator } = await this.#open(request, options);
    return { streamId, events: readFrom(first, iterator, readSignal) };
  }

  /** Starts a stream and waits for its first event: stored, or the failure that ended it. */
  async #open(
    request: AgentRequest,
    options: Omit<UpstreamOptions, "signal"> & { signal?: AbortSignal },
  ): Promise<{ streamId: string; first: IteratorResult<StreamEvent>; iterator: AsyncIterator<StreamEvent> }> {
    const streamId = newStreamId();
    const stop = this.#stopSignal(options.signal);
    const metrics = this.#options.metrics;
    metrics.activeStreams.inc();
    let iterator: AsyncIterator<StreamEvent>;
    let first: IteratorResult<StreamEvent>;
    try {
      const events = await (this.#direct ?? this.client).openStream(
        request.agent,
        request.action,
        request.input,
        {
          signal: stop.signal,
          deadline: options.deadline,
          requestId: options.requestId,
          streamId,
          metadata: { "x-request-id": options.requestId },
        },
      );
      // Starting the stream creates its log; the first event (or failure) says it is under way.
      iterator = events[Symbol.asyncIterator]();
      first = await iterator.next();
    } catch (err) {
      metrics.activeStreams.dec();
      stop.dispose();
      throw err;
    }
    void (this.client.chain.checkpointer?.recorded(streamId) ?? Promise.resolve()).then(() => {
      metrics.activeStreams.dec();
      stop.dispose();
    });
    return { streamId, first, iterator };
  }

  /**
   * The signal that stops a stream: the gateway shutting down, or the caller's own. Linked by
   * hand and released when the stream ends (AbortSignal.any leaks on long-lived signals in Node 20).
   */
  #stopSignal(caller: AbortSignal | undefined): { signal: AbortSignal; dispose(): void } {
    const shutdown = this.#shutdown.signal;
    if (caller === undefined) return { signal: shutdown, dispose: () => {} };
    const linked = new AbortController();
    const onShutdown = () => linked.abort(shutdown.reason);
    const onCaller = () => linked.abort(caller.reason);
    if (caller.aborted) linked.abort(caller.reason);
    shutdown.addEventListener("abort", onShutdown, { once: true });
    caller.addEventListener("abort", onCaller, { once: true });
    return {
      signal: linked.signal,
      dispose: () => {
        shutdown.removeEventListener("abort", onShutdown);
        caller.removeEventListener("abort", onCaller);
      },
    };
  }

  readStream(streamId: string, afterSeq: number, signal: AbortSignal): AsyncIterable<StreamEvent> {
    return this.client.resume(streamId, afterSeq, { signal });
  }

  health(): AgentHealth[] {
    const breakers = this.client.chain.breakers.states();
    return [...this.#agents.values()].map((replicas) => {
      const status = new Map(replicas.balancer.status().map((s) => [s.id, s]));
      return {
        agent: replicas.agent,
        replicas: replicas.replicas().map(({ address, description }) => {
          const s = status.get(address.id);
          return {
            endpoint: address.id,
            address: `${address.host}:${address.grpcPort}`,
            healthy: s?.healthy ?? false,
            ejected: s?.ejected ?? false,
            breaker: BREAKER_STATE[breakers[address.id] ?? "CLOSED"],
            provider: description?.provider ?? "unknown",
            model: description?.model ?? "unknown",
          };
        }),
      };
    });
  }

  async close(): Promise<void> {
    clearInterval(this.#observer);
    this.#shutdown.abort(new SynapseError("UNAVAILABLE", "The gateway is shutting down."));
    await this.client.close();
    await Promise.all([...this.#agents.values()].map((r) => r.close()));
  }

  #replicasOf(agent: string): AgentReplicas {
    const replicas = this.#agents.get(agent as AgentName);
    if (replicas === undefined) throw new SynapseError("NOT_FOUND", `Unknown agent "${agent}".`);
    return replicas;
  }
}
