/**
 * The JSON-RPC/TCP client of one agent service: a few persistent sockets, connected lazily and
 * reconnected on the next call after a drop, many calls in flight on each. Deadlines and
 * AbortSignals cancel calls on the server too (`$/cancel`); errors come back as SynapseErrors
 * with their exact code and pushback.
 */
import {
  type AgentRequest,
  type AgentResponse,
  type Clock,
  type HealthStatus,
  type Logger,
  type ServiceDescription,
  type StreamEvent,
  SynapseError,
  systemClock,
} from "@synapse/core";
import { JSONRPC_METHODS, MAX_TIMEOUT_MS } from "./agent-wire.js";
import { ClientCall } from "./client-call.js";
import { ClientConnection } from "./client-connection.js";
import {
  abortError,
  deadlineError,
  deadlineOf,
  expectObject,
  invokeParams,
  malformed,
  toFinal,
} from "./client-messages.js";
import { type JsonRpcParams, toLine } from "./protocol.js";

/** Longest line the client accepts from a server, in bytes: 64 MiB (answers can carry whole files). */
export const DEFAULT_CLIENT_MAX_LINE_BYTES = 64 * 1024 * 1024;

export interface JsonRpcClientOptions {
  port: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Persistent sockets, used in turn. Defaults to 1 (JSON-RPC answers out of order, so one rarely limits). */
  connections?: number;
  /** Longest line accepted from the server, in bytes. Defaults to DEFAULT_CLIENT_MAX_LINE_BYTES. */
  maxLineBytes?: number;
  /** Defaults to the system clock. */
  clock?: Clock;
  logger?: Logger;
}

export interface JsonRpcCallOptions {
  /** Absolute deadline in epoch milliseconds; the call fails with DEADLINE_EXCEEDED when it passes. */
  deadline?: number | undefined;
  /** Timeout in milliseconds from now; with `deadline` too, the earlier wins. */
  timeoutMs?: number | undefined;
  /**
   * Aborting it cancels the call on the server and fails it with CANCELLED (or with the signal's
   * reason when that is a SynapseError, e.g. an interceptor's DEADLINE_EXCEEDED).
   */
  signal?: AbortSignal | undefined;
  /** Sent to the service as params.metadata: request id, trace context. */
  metadata?: Record<string, string> | undefined;
}

export class JsonRpcClient {
  readonly host: string;
  readonly port: number;
  private readonly clock: Clock;
  private readonly logger: Logger | undefined;
  private readonly maxLineBytes: number;
  private readonly pool: (ClientConnection | undefined)[];
  private turn = 0;
  private nextId = 1;
  private closed = false;

  constructor(options: JsonRpcClientOptions) {
    this.host = options.host ?? "127.0.0.1";
    this.port = options.port;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_CLIENT_MAX_LINE_BYTES;
    this.pool = new Array(Math.max(1, options.connections ?? 1)).fill(undefined);
  }

  /** Runs one action to completion (agent.invoke). */
  async invoke(request: AgentRequest, opts: JsonRpcCallOptions = {}): Promise<AgentResponse> {
    const value = await this.start(JSONRPC_METHODS.invoke, invokeParams(request, opts), opts, true).result();
    return expectObject(value, JSONRPC_METHODS.invoke) as unknown as AgentResponse;
  }

  /** Streams one action (agent.stream): chunks with seq 1, 2, …, then the final event. Starts when iterated. */
  stream(request: AgentRequest, opts: JsonRpcCallOptions = {}): AsyncIterable<StreamEvent> {
    return this.events(JSONRPC_METHODS.stream, () => invokeParams(request, opts), opts);
  }

  /** Resumes stream `streamId` after `afterSeq` (agent.resume): the chunks after it, then the final event. */
  resume(streamId: string, afterSeq: number, opts: JsonRpcCallOptions = {}): AsyncIterable<StreamEvent> {
    return this.events(JSONRPC_METHODS.resume, () => ({ streamId, afterSeq, metadata: opts.metadata }), opts);
  }

  async describe(opts: JsonRpcCallOptions = {}): Promise<ServiceDescription> {
    const value = await this.start(JSONRPC_METHODS.describe, undefined, opts, false).result();
    return expectObject(value, JSONRPC_METHODS.describe) as unknown as ServiceDescription;
  }

  async health(opts: JsonRpcCallOptions = {}): Promise<HealthStatus> {
    const value = expectObject(
      await this.start(JSONRPC_METHODS.health, undefined, opts, false).result(),
      JSONRPC_METHODS.health,
    );
    if (value.status !== "SERVING" && value.status !== "NOT_SERVING") throw malformed(JSONRPC_METHODS.health);
    return value.status;
  }

  /** Calls any method with params as given (no timeoutMs added); resolves with its result. */
  call(method: string, params?: JsonRpcParams, opts: JsonRpcCallOptions = {}): Promise<unknown> {
    return this.start(method, params, opts, false).result();
  }

  /** Sockets open or connecting (a dropped one counts once its close is seen). */
  openConnections(): number {
    return this.pool.filter((c) => c !== undefined && c.state !== "closed").length;
  }

  /** Closes every socket; calls still running fail with CANCELLED. Later calls fail with FAILED_PRECONDITION. */
  async close(): Promise<void> {
    this.closed = true;
    const reason = new SynapseError("CANCELLED", "The client was closed.");
    await Promise.all(this.pool.map((c) => c?.close(reason)));
  }

  /**
   * The events of a streaming call, started when first iterated. An iterator object rather than
   * an async generator: a stream's every chunk passes here, and a generator costs each one its
   * own promises and a resumption; the behaviour is the generator's (a consumer that stops early
   * cancels the call on the server).
   */
  private events(
    method: string,
    params: () => Record<string, unknown>,
    opts: JsonRpcCallOptions,
  ): AsyncIterable<StreamEvent> {
    return {
      [Symbol.asyncIterator]: (): AsyncIterator<StreamEvent> => {
        let call: ClientCall | undefined;
        let ended = false;
        return {
          next: async (): Promise<IteratorResult<StreamEvent>> => {
            if (ended) return { done: true, value: undefined };
            call ??= this.start(method, params(), opts, true);
            for (;;) {
              const chunk = call.shift();
              if (chunk !== undefined) return { done: false, value: chunk };
              if (call.settled) {
                ended = true;
                if (call.error !== undefined) throw call.error;
                return { done: false, value: toFinal(call.value, method) };
              }
              await call.changed();
            }
          },
          return: async (): Promise<IteratorResult<StreamEvent>> => {
            ended = true;
            // The consumer stopped early: stop the server's stream too. Every layer above calls
            // this when a stream ends, so the error (its stack trace costs tens of µs) is made only
            // for a call still running.
            if (call !== undefined && !call.settled) {
              call.abandon(new SynapseError("CANCELLED", "The stream's consumer stopped reading."));
            }
            return { done: true, value: undefined };
          },
        };
      },
    };
  }

  private start(
    method: string,
    params: JsonRpcParams,
    opts: JsonRpcCallOptions,
    sendTimeout: boolean,
  ): ClientCall {
    const call = new ClientCall(this.nextId);
    this.nextId = this.nextId === Number.MAX_SAFE_INTEGER ? 1 : this.nextId + 1;
    const { signal } = opts;
    if (this.closed) {
      return failed(
        call,
        new SynapseError("FAILED_PRECONDITION", "This client is closed; create a new one."),
      );
    }
    if (signal?.aborted) return failed(call, abortError(signal));
    const deadline = deadlineOf(opts, this.clock);
    let remaining: number | undefined;
    if (deadline !== undefined) {
      remaining = Math.min(Math.ceil(deadline - this.clock.now()), MAX_TIMEOUT_MS);
      if (remaining <= 0) return failed(call, deadlineError());
      if (sendTimeout && params !== undefined && !Array.isArray(params)) params.timeoutMs = remaining;
    }
    let line: string;
    try {
      line = toLine({ jsonrpc: "2.0", id: call.id, method, params });
    } catch {
      return failed(
        call,
        new SynapseError("INVALID_ARGUMENT", "The request cannot be sent as JSON (a cycle or a BigInt?)."),
      );
    }
    if (remaining !== undefined) {
      call.onSettle(this.clock.setTimeout(() => call.abandon(deadlineError()), remaining));
    }
    if (signal !== undefined) {
      const onAbort = () => call.abandon(abortError(signal));
      signal.addEventListener("abort", onAbort, { once: true });
      call.onSettle(() => signal.removeEventListener("abort", onAbort));
    }
    this.connection().send(call, line);
    return call;
  }

  /** The next socket in turn, (re)connected if it is not open. */
  private connection(): ClientConnection {
    const index = this.turn;
    this.turn = (this.turn + 1) % this.pool.length;
    let connection = this.pool[index];
    if (connection === undefined || connection.state === "closed") {
      connection = new ClientConnection(this.host, this.port, this.maxLineBytes, this.logger);
      this.pool[index] = connection;
    }
    return connection;
  }
}

function failed(call: ClientCall, error: SynapseError): ClientCall {
  call.answered(error, undefined);
  return call;
}
