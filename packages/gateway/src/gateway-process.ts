/**
 * The gateway as a process (`synapse gateway`, and what `synapse up` starts): loads the
 * configuration, opens the checkpoint store, connects to the agents' replicas and serves HTTP.
 * SIGTERM/SIGINT (or the launcher going away) closes it gracefully and exits 0.
 */
import { mkdirSync } from "node:fs";
import { type Config, ConfigError, createLogger, type Logger, loadConfig, startTracing } from "@synapse/core";
import type { FastifyInstance } from "fastify";
import { buildGateway } from "./app.js";
import { openGatewayState } from "./gateway-state.js";
import { limitHeapGrowth } from "./heap-growth.js";
import { GatewayMetrics } from "./metrics.js";
import { ResilientUpstream } from "./upstream/resilient-upstream.js";
import { openPersistence } from "./workflow/persistence.js";
import { WorkflowEngine } from "./workflow/workflow-engine.js";

export const GATEWAY_VERSION = "0.1.0";

export interface RunningGateway {
  app: FastifyInstance;
  upstream: ResilientUpstream;
  workflows: WorkflowEngine;
  port: number;
  stop(): Promise<void>;
}

/** Starts the gateway in this process and resolves once it listens. */
export async function runGateway(config: Config, logger: Logger): Promise<RunningGateway> {
  mkdirSync(config.dataDir, { recursive: true });
  // Stream logs, response cache, idempotency keys: embedded or in Redis (SYNAPSE_STATE).
  const state = await openGatewayState(config, logger);
  const checkpointStore = state.checkpointStore;
  const metrics = new GatewayMetrics();
  // Spans for requests and upstream attempts when SYNAPSE_OTLP_ENDPOINT is set; otherwise none.
  const tracing = await startTracing({
    endpoint: config.tracing.otlpEndpoint,
    serviceName: "synapse-gateway",
    resource: { "service.instance.id": `gateway-${process.pid}`, "service.version": GATEWAY_VERSION },
  });
  const upstream = new ResilientUpstream({
    config,
    logger,
    metrics,
    checkpointStore,
    responseCache: state.responseCache,
    tracing,
  });
  upstream.start();
  let persistence: Awaited<ReturnType<typeof openPersistence>>;
  try {
    persistence = await openPersistence(config);
  } catch (err) {
    await upstream.close();
    await state.close();
    throw err;
  }
  const workflows = new WorkflowEngine({
    config,
    upstream,
    streams: checkpointStore,
    persistence,
    metrics,
    logger,
  });
  const app = await buildGateway({
    config,
    logger,
    metrics,
    upstream,
    workflows,
    idempotency: state.idempotency,
    redis: state.redis,
    startedAt: Date.now(),
    version: GATEWAY_VERSION,
    tracing,
  });
  try {
    await app.listen({ port: config.gateway.port, host: config.host });
  } catch (err) {
    await upstream.close();
    await persistence.close();
    await state.close();
    const code = (err as { code?: string }).code;
    throw new Error(
      code === "EADDRINUSE"
        ? `port ${config.gateway.port} is in use; set SYNAPSE_GATEWAY_PORT to a free one`
        : `cannot listen on ${config.host}:${config.gateway.port}: ${(err as Error).message}`,
    );
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.gateway.port;
  logger.info(
    { port, transport: config.gateway.transport, workflows: persistence.kind },
    `gateway listening on http://${config.host}:${port}`,
  );
  // Unfinished runs resume once the gateway serves, so their progress can be followed at once.
  await workflows.start();
  process.send?.({ type: "ready", role: "gateway", ports: { http: port } });
  return {
    app,
    upstream,
    workflows,
    port,
    async stop() {
      await app.close();
      // Runs stop before the upstream does, and stay unfinished: the next start resumes them.
      await workflows.close();
      await upstream.close();
      await persistence.close();
      await state.close();
      await tracing.shutdown();
    },
  };
}

/** Runs the gateway until a signal stops it. Invalid configuration exits 2; a bind failure exits 1. */
export async function startGatewayProcess(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  limitHeapGrowth(config.gateway.heapGrowingPercent);
  let logger: Logger;
  try {
    logger = createLogger({ name: "gateway", ...config.log });
  } catch (err) {
    // Pretty logs load pino-pretty on demand: a missing package is said plainly, not a stack trace.
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  process.on("uncaughtException", (err) => fatal(logger, err, "uncaught exception"));
  process.on("unhandledRejection", (err) => fatal(logger, err, "unhandled rejection"));
  let running: Promise<RunningGateway | undefined> = Promise.resolve(undefined);
  let stopping = false;
  const shutdown = (why: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info(`${why}: shutting down`);
    void running
      .then((gateway) => gateway?.stop())
      .then(
        () => process.exit(0),
        (err: unknown) => fatal(logger, err, "shutdown failed"),
      );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  if (process.send) process.on("disconnect", () => shutdown("parent disconnected"));
  running = runGateway(config, logger).catch((err: unknown) => {
    logger.error((err as Error).message);
    process.exit(1);
  });
  await running;
}

function fatal(logger: Logger, err: unknown, what: string): never {
  logger.fatal({ err }, what);
  process.exit(1);
}
