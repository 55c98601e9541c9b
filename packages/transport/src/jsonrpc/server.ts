/**
 * The JSON-RPC 2.0 over TCP server: newline-delimited JSON, one message per line. Methods are
 * registrations (`server.method(name, fn)`); given an AgentHandler, the agent methods are
 * registered at creation. Limits (line length, idle time, connections, requests in flight) are
 * each answered with a clear error while the server keeps serving everyone else.
 */
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import {
  type AgentHandler,
  type Clock,
  CONFIG_SCHEMA,
  type Logger,
  SynapseError,
  systemClock,
} from "@synapse/core";
import { registerAgentMethods } from "./agent-methods.js";
import type { JsonRpcMethod } from "./method.js";
import { errorFromSynapse, errorResponse, toLine } from "./protocol.js";
import { CLOSE_GRACE_MS, type ConnectionHost, ServerConnection } from "./server-connection.js";

export interface JsonRpcServerOptions {
  /** Serves the agent methods (agent.invoke, agent.stream, agent.resume, agent.describe, health.check). */
  handler?: AgentHandler;
  logger?: Logger;
  /** Longest line accepted, in bytes; longer ones are refused and the connection closed. Defaults to 1 MiB (`jsonrpc.maxLineBytes`). */
  maxLineBytes?: number;
  /** A connection with nothing in flight that sends nothing for this long is closed, in ms. Defaults to 60 seconds (`jsonrpc.idleTimeoutMs`). */
  idleTimeoutMs?: number;
  /** Open connections; more are refused with RESOURCE_EXHAUSTED. Defaults to 1024 (`jsonrpc.maxConnections`). */
  maxConnections?: number;
  /** Calls in flight per connection; more are refused with RESOURCE_EXHAUSTED. Defaults to 256 (`jsonrpc.maxInFlight`). */
  maxInFlight?: number;
  /** Defaults to the system clock. */
  clock?: Clock;
}

export interface JsonRpcServer {
  /** Registers (or replaces) a method. Names starting with "rpc." and "$/" are reserved. */
  method(name: string, fn: JsonRpcMethod): JsonRpcServer;
  /** Starts listening; resolves with the bound port (useful with port 0). `host` defaults to 127.0.0.1. */
  listen(port: number, host?: string): Promise<number>;
  /**
   * Stops accepting, lets calls in flight finish within `drainMs` (defaults to 10 seconds,
   * `service.drainTimeoutMs`), then aborts the rest (answered UNAVAILABLE) and closes every connection.
   */
  close(drainMs?: number): Promise<void>;
  /** Open connections. */
  connections(): number;
}

/** Creates a JSON-RPC server; see JsonRpcServerOptions for the defaults. */
export function createJsonRpcServer(options: JsonRpcServerOptions = {}): JsonRpcServer {
  return new TcpJsonRpcServer(options);
}

class TcpJsonRpcServer implements JsonRpcServer, ConnectionHost {
  readonly methods = new Map<string, JsonRpcMethod>();
  readonly clock: Clock;
  readonly logger: Logger | undefined;
  readonly maxLineBytes: number;
  readonly idleTimeoutMs: number;
  readonly maxInFlight: number;
  private readonly maxConnections: number;
  private readonly open = new Set<ServerConnection>();
  private readonly server: Server;
  private closing: Promise<void> | undefined;
  private allClosed: (() => void) | undefined;

  constructor(options: JsonRpcServerOptions) {
    const defaults = CONFIG_SCHEMA.jsonrpc;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.maxLineBytes = options.maxLineBytes ?? defaults.maxLineBytes.default;
    this.idleTimeoutMs = options.idleTimeoutMs ?? defaults.idleTimeoutMs.default;
    this.maxConnections = options.maxConnections ?? defaults.maxConnections.default;
    this.maxInFlight = options.maxInFlight ?? defaults.maxInFlight.default;
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server.on("error", (err) => this.logger?.error({ err }, "jsonrpc: server error"));
    if (options.handler !== undefined) registerAgentMethods(this, options.handler);
  }

  method(name: string, fn: JsonRpcMethod): JsonRpcServer {
    if (name.startsWith("rpc.") || name.startsWith("$/")) {
      throw new SynapseError("INVALID_ARGUMENT", `Method name "${name}" is reserved; choose another.`);
    }
    this.methods.set(name, fn);
    return this;
  }

  listen(port: number, host = "127.0.0.1"): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        reject(
          new SynapseError(
            "UNAVAILABLE",
            `Cannot listen on ${host}:${port} (${err.code ?? err.message}); is another process using the port?`,
          ),
        );
      };
      this.server.once("error", onError);
      this.server.listen(port, host, () => {
        this.server.off("error", onError);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(drainMs: number = CONFIG_SCHEMA.service.drainTimeoutMs.default): Promise<void> {
    this.closing ??= this.shutdown(drainMs);
    return this.closing;
  }

  connections(): number {
    return this.open.size;
  }

  closed(connection: ServerConnection): void {
    this.open.delete(connection);
    if (this.open.size === 0) this.allClosed?.();
  }

  private accept(socket: Socket): void {
    if (this.closing !== undefined) {
      socket.destroy();
    } else if (this.open.size >= this.maxConnections) {
      this.refuse(socket);
    } else {
      this.open.add(new ServerConnection(socket, this));
    }
  }

  /** One error line, then the socket is ended; what the peer still sends is read and dropped. */
  private refuse(socket: Socket): void {
    this.logger?.warn({ maxConnections: this.maxConnections }, "jsonrpc: connection refused, at the limit");
    const err = new SynapseError(
      "RESOURCE_EXHAUSTED",
      `The server already has ${this.maxConnections} connections open; retry later or reuse a connection.`,
    );
    socket.on("error", () => {});
    socket.end(toLine(errorResponse(null, errorFromSynapse(err))));
    socket.resume();
    const cancel = this.clock.setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
    socket.once("close", cancel);
  }

  private async shutdown(drainMs: number): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const empty = new Promise<void>((resolve) => {
      this.allClosed = resolve;
    });
    if (this.open.size === 0) this.allClosed?.();
    for (const connection of this.open) connection.drain();
    const cancelForce = this.clock.setTimeout(() => {
      const err = new SynapseError(
        "UNAVAILABLE",
        "The server shut down before the call finished; the call was cancelled, retry on another replica.",
      );
      for (const connection of [...this.open]) connection.forceClose(err);
    }, drainMs);
    await empty;
    cancelForce();
    await stopped;
  }
}
