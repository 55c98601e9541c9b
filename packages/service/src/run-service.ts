/**
 * One agent service process, assembled: the provider from configuration, the AgentService, both
 * transports (gRPC and JSON-RPC/TCP) and the metrics/health HTTP server, on the replica's ports.
 */

import { createAgentProvider, type UsageRecord } from "@synapse/agents";
import {
  type AgentName,
  type Clock,
  type Config,
  type Logger,
  replicaPorts,
  type ServicePorts,
  SynapseError,
  startTracing,
  traceHandler,
  traceProvider,
} from "@synapse/core";
import type { Provider } from "@synapse/providers";
import { createGrpcServer, createJsonRpcServer } from "@synapse/transport";
import { AgentService, CANCEL_GRACE_MS, SERVICE_VERSION } from "./agent-service.js";
import { createHealthServer } from "./health-server.js";
import { createServiceMetrics } from "./metrics.js";

export interface RunServiceOptions {
  agent: AgentName;
  /** 0-based; replica i listens on the configured ports + 100·i. */
  replica: number;
  config: Config;
  logger: Logger;
  /** Use this provider instead of the configured one (tests). */
  provider?: Provider;
  /** Defaults to the system clock. */
  clock?: Clock;
}

export interface RunningService {
  readonly service: AgentService;
  /** The bound ports (the real ones when the configuration said 0). */
  readonly ports: ServicePorts;
  /**
   * Stops: health turns NOT_SERVING, new calls are refused, calls in flight get
   * `service.drainTimeoutMs` to finish, the rest are cancelled, then everything closes. Idempotent.
   */
  stop(): Promise<void>;
}

/** The message a service sends its parent over IPC once every server listens. */
export interface ReadyMessage {
  type: "ready";
  agent: AgentName;
  replica: number;
  ports: ServicePorts;
}

export async function runService(options: RunServiceOptions): Promise<RunningService> {
  const { agent, replica, config, logger } = options;
  const settings = config[agent];
  let onUsage: (record: UsageRecord) => void = () => {};
  // Built once per process: the model client and its connection pool, the prompts, and for codex
  // the command executor. `auto` is resolved (and the choice logged) here.
  const built = options.provider
    ? undefined
    : createAgentProvider(agent, config, {
        logger,
        replica,
        onUsage: (record) => onUsage(record),
        ...(options.clock ? { clock: options.clock } : {}),
      });
  const provider: Provider = options.provider ?? (built as Provider);
  // Spans for calls and provider calls when SYNAPSE_OTLP_ENDPOINT is set; otherwise nothing is wrapped.
  const tracing = await startTracing({
    endpoint: config.tracing.otlpEndpoint,
    serviceName: `synapse-${agent}`,
    resource: { "service.instance.id": `${agent}#${replica}`, "service.version": SERVICE_VERSION },
  });
  let onCallEnd: ReturnType<typeof createServiceMetrics>["observe"] = () => {};
  const service = new AgentService({
    agent,
    replica,
    provider: traceProvider(tracing, provider),
    logger,
    isolation: built?.isolation ?? "none",
    streamRetainMs: config.service.streamRetainMs,
    onCallEnd: (record) => onCallEnd(record),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const metrics = createServiceMetrics({
    agent,
    replica,
    provider: provider.name,
    model: provider.model,
    inFlight: () => service.inFlight,
    streamsHeld: () => service.streamsHeld,
  });
  onCallEnd = metrics.observe;
  onUsage = metrics.observeUsage;
  const handler = traceHandler(tracing, service);
  const clock = options.clock ? { clock: options.clock } : {};
  const jsonrpc = createJsonRpcServer({
    handler,
    logger,
    maxLineBytes: config.jsonrpc.maxLineBytes,
    idleTimeoutMs: config.jsonrpc.idleTimeoutMs,
    maxConnections: config.jsonrpc.maxConnections,
    maxInFlight: config.jsonrpc.maxInFlight,
    ...clock,
  });
  const grpc = createGrpcServer({
    handler,
    logger,
    maxMessageBytes: config.grpc.maxMessageBytes,
    ...clock,
  });
  const health = createHealthServer(service, metrics);

  const wanted = replicaPorts(
    { grpc: settings.grpcPort, tcp: settings.tcpPort, metrics: settings.metricsPort },
    replica,
  );
  // Port 0 means "any free port" (tests); offsetting it would name a fixed, probably taken, port.
  const base = { grpc: settings.grpcPort, tcp: settings.tcpPort, metrics: settings.metricsPort };
  const want = (k: keyof ServicePorts) => (base[k] === 0 ? 0 : wanted[k]);
  const A = agent.toUpperCase();
  const listen = async (what: string, env: string, port: number, start: () => Promise<number>) => {
    try {
      return await start();
    } catch (err) {
      const reason = (err as { code?: unknown }).code ?? (err as Error).message;
      throw new SynapseError(
        "UNAVAILABLE",
        `${agent}#${replica} cannot listen for ${what} on ${config.host}:${port} (${String(reason)}); stop what holds the port or set ${env}.`,
        { cause: err },
      );
    }
  };
  const drainMs = config.service.drainTimeoutMs;
  const closeAll = async () => {
    const [drained] = await Promise.all([
      service.drain(drainMs),
      // The transports wait a little longer than the service, so cancelled calls still get their answer.
      jsonrpc.close(drainMs + CANCEL_GRACE_MS),
      grpc.close(drainMs + CANCEL_GRACE_MS),
    ]);
    await health.close();
    await built?.close();
    await tracing.shutdown();
    return drained;
  };

  let ports: ServicePorts;
  try {
    const [g, t, m] = await Promise.all([
      listen("gRPC", `SYNAPSE_${A}_GRPC_PORT`, want("grpc"), () => grpc.listen(want("grpc"), config.host)),
      listen("JSON-RPC", `SYNAPSE_${A}_TCP_PORT`, want("tcp"), () =>
        jsonrpc.listen(want("tcp"), config.host),
      ),
      listen("metrics", `SYNAPSE_${A}_METRICS_PORT`, want("metrics"), () =>
        health.listen(want("metrics"), config.host),
      ),
    ]);
    ports = { grpc: g, tcp: t, metrics: m };
  } catch (err) {
    await closeAll();
    throw err;
  }

  logger.info(
    {
      agent,
      replica,
      ports,
      provider: provider.name,
      model: provider.model,
      isolation: service.describe().isolation,
    },
    `${agent}#${replica} ready: gRPC ${config.host}:${ports.grpc}, JSON-RPC ${config.host}:${ports.tcp}, metrics http://${config.host}:${ports.metrics}/metrics (provider ${provider.name}, model ${provider.model})`,
  );
  if (process.send) {
    const ready: ReadyMessage = { type: "ready", agent, replica, ports };
    process.send(ready);
  }

  let stopping: Promise<void> | undefined;
  return {
    service,
    ports,
    stop() {
      stopping ??= (async () => {
        logger.info({ inFlight: service.inFlight, drainMs }, `${agent}#${replica} draining`);
        const { cancelled } = await closeAll();
        logger.info({ cancelled }, `${agent}#${replica} stopped`);
      })();
      return stopping;
    },
  };
}
