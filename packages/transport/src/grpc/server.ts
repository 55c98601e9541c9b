/**
 * The gRPC server of an agent service: synapse.v1.AgentService from an AgentHandler, the
 * standard health service and server reflection, with a graceful, bounded close.
 */
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { type AgentHandler, type Clock, type Logger, SynapseError, systemClock } from "@synapse/core";
import { createAgentService } from "./agent-service.js";
import type { CallScope } from "./call-scope.js";
import { HealthReporter } from "./health.js";
import { serverOptions } from "./options.js";
import { addReflection } from "./reflection.js";
import { AgentServiceServing } from "./reused-writer.js";

export interface GrpcServerOptions {
  /** The service core this server exposes. */
  handler: AgentHandler;
  /** Where failures of the handler go, with their cause. Defaults to none. */
  logger?: Logger;
  /** Largest message sent or received, in bytes (the `grpc.maxMessageBytes` setting, 8 MiB by default). */
  maxMessageBytes: number;
  /** Time for deadlines, the drain timeout and health polling. Defaults to the system clock. */
  clock?: Clock;
  /** How often open health Watch streams re-read `handler.health()`, in milliseconds. Defaults to 1000. */
  healthPollMs?: number;
}

export interface GrpcServer {
  /** Binds `host:port` (port 0 picks a free one) and starts serving; resolves to the bound port. */
  listen(port: number, host: string): Promise<number>;
  /**
   * Stops gracefully: health turns NOT_SERVING, new calls are refused, calls in flight may finish
   * for `drainMs` milliseconds; then the handlers still running are aborted (their callers get
   * UNAVAILABLE) and, 100 ms later, any connection still open is cut. Idempotent.
   */
  close(drainMs: number): Promise<void>;
}

/** How long handlers aborted at the end of a drain get to answer before connections are cut, in ms. */
const FORCE_GRACE_MS = 100;

const SHUTTING_DOWN = () =>
  new SynapseError("UNAVAILABLE", "The service is shutting down; retry the call on another replica.");

/**
 * A gRPC server for `options.handler`: synapse.v1.AgentService, grpc.health.v1.Health and server
 * reflection. Nothing listens until `listen`.
 */
export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  const { handler, logger } = options;
  const clock = options.clock ?? systemClock;
  const inFlight = new Set<CallScope>();
  const server = new Server(serverOptions(options.maxMessageBytes));

  server.addService(AgentServiceServing, createAgentService({ handler, clock, logger, inFlight }));
  const health = new HealthReporter(() => handler.health(), clock, options.healthPollMs ?? 1000, logger);
  health.addToServer(server);
  addReflection(server);

  let closing: Promise<void> | undefined;

  return {
    listen(port, host) {
      // An IPv6 literal needs brackets in a gRPC target.
      const target = host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
      return new Promise((resolve, reject) => {
        server.bindAsync(target, ServerCredentials.createInsecure(), (err, bound) => {
          if (err) {
            // grpc-js wraps the socket error ("... errors: [listen EADDRINUSE: ...]"); keep its core.
            const reason = /\[(.+)\]$/.exec(err.message)?.[1] ?? err.message;
            const message = `Cannot listen for gRPC on ${target} (${reason}); free the port or choose another.`;
            reject(new SynapseError("UNAVAILABLE", message, { cause: err }));
            return;
          }
          resolve(bound);
        });
      });
    },

    close(drainMs) {
      closing ??= new Promise<void>((resolve) => {
        health.drain();
        let done = false;
        let cancelTimer: (() => void) | undefined;
        const finish = () => {
          if (done) return;
          done = true;
          cancelTimer?.();
          resolve();
        };
        server.tryShutdown(finish);
        // tryShutdown calls back at once when nothing was listening.
        if (done) return;
        cancelTimer = clock.setTimeout(() => {
          // Handlers that stop when aborted answer UNAVAILABLE, which callers retry or resume on
          // another replica, and their connections then close by themselves; whatever ignores
          // the abort for FORCE_GRACE_MS more is cut (the caller then sees CANCELLED).
          for (const scope of inFlight) scope.abort(SHUTTING_DOWN());
          cancelTimer = clock.setTimeout(() => {
            server.forceShutdown();
            finish();
          }, FORCE_GRACE_MS);
        }, drainMs);
      });
      return closing;
    },
  };
}
