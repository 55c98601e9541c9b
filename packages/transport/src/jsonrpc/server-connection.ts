/**
 * One client connection on the JSON-RPC server: framing, dispatch, answers as each call
 * finishes (so out of order), cancellation, deadlines, the idle timeout and the in-flight limit.
 */
import type { Socket } from "node:net";
import { type Clock, type Logger, SynapseError } from "@synapse/core";
import { type Respond, runBatch, serialize } from "./batch.js";
import { IdleTimer } from "./idle-timer.js";
import { LineReader } from "./line-reader.js";
import type { JsonRpcMethod } from "./method.js";
import {
  errorFromSynapse,
  errorResponse,
  InvalidRequest,
  invalidRequest,
  type JsonRpcError,
  type JsonRpcId,
  type JsonRpcParams,
  type JsonRpcRequest,
  methodNotFound,
  ParseFailure,
  parseError,
  parseLine,
  toLine,
  validateRequest,
} from "./protocol.js";
import { ServerCall } from "./server-call.js";
import { TickCork } from "./tick-cork.js";

/** The notification that cancels the in-flight request `params.id`. */
export const CANCEL_METHOD = "$/cancel";

/** How long a closing connection waits for the peer to close its side before it is destroyed, in ms. */
export const CLOSE_GRACE_MS = 1000;

export interface ConnectionHost {
  readonly methods: ReadonlyMap<string, JsonRpcMethod>;
  readonly clock: Clock;
  readonly logger: Logger | undefined;
  readonly maxLineBytes: number;
  readonly idleTimeoutMs: number;
  readonly maxInFlight: number;
  closed(connection: ServerConnection): void;
}

/** open → draining (server closing: no new calls) → ending (socket ending) → closed. */
export type ConnectionState = "open" | "draining" | "ending" | "closed";

const connectionClosed = () =>
  new SynapseError("CANCELLED", "The connection closed before the call finished.");

export class ServerConnection {
  private state: ConnectionState = "open";
  private readonly reader: LineReader;
  private readonly active = new Set<ServerCall>();
  private readonly byId = new Map<JsonRpcId, ServerCall>();
  private readonly idle: IdleTimer;
  /** Answers and chunks of the same turn go out in one write (see TickCork). */
  private readonly cork: TickCork;
  private cancelGrace: (() => void) | undefined;
  private aborting = false;
  private drained: Promise<void> | undefined;
  private resolveDrained: (() => void) | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    this.cork = new TickCork(socket);
    this.reader = new LineReader(
      host.maxLineBytes,
      (line) => this.onLine(line),
      () => this.onOversize(),
    );
    socket.on("data", (chunk: Buffer) => {
      this.idle.touch();
      this.reader.push(chunk);
    });
    socket.on("drain", () => this.releaseDrain());
    socket.on("error", (err) => host.logger?.debug({ err }, "jsonrpc: connection error"));
    socket.on("close", () => this.onClose());
    this.idle = new IdleTimer(
      host.clock,
      host.idleTimeoutMs,
      () => this.active.size > 0,
      () => this.onIdle(),
    );
  }

  /** Calls running on this connection, notifications included. */
  inFlight(): number {
    return this.active.size;
  }

  /** Server shutting down: refuse new calls, end the connection once the running ones finish. */
  drain(): void {
    if (this.state !== "open") return;
    this.state = "draining";
    if (this.active.size === 0) this.end();
  }

  /** Aborts every running call, answering each with `reason`, then ends the connection. */
  forceClose(reason: SynapseError): void {
    if (this.state === "ending" || this.state === "closed") return;
    this.aborting = true;
    for (const call of [...this.active]) this.abort(call, reason);
    this.aborting = false;
    this.end();
  }

  // ---- called by ServerCall ----

  abort(call: ServerCall, reason: SynapseError): void {
    if (call.done) return;
    call.aborted = true;
    call.controller.abort(reason);
    // Answered now, not when the method notices: a method that ignores its signal must not hold the client.
    this.finish(call, reason, true);
  }

  armDeadline(call: ServerCall, timeoutMs: number): number {
    call.cancelTimer?.();
    if (!call.done) {
      call.cancelTimer = this.host.clock.setTimeout(() => {
        this.abort(
          call,
          new SynapseError(
            "DEADLINE_EXCEEDED",
            `The call did not finish within its ${timeoutMs} ms timeout; retry with a longer timeoutMs.`,
          ),
        );
      }, timeoutMs);
    }
    return this.host.clock.now() + timeoutMs;
  }

  notify(method: string, params: unknown, flush = false): Promise<void> | undefined {
    if (this.state === "ending" || this.state === "closed") return undefined;
    this.cork.hold();
    const written = this.socket.write(toLine({ jsonrpc: "2.0", method, params }));
    if (flush) this.cork.flush();
    if (written) return undefined;
    if (this.drained === undefined) {
      this.drained = new Promise((resolve) => {
        this.resolveDrained = resolve;
      });
    }
    return this.drained;
  }

  // ---- reading ----

  private onLine(line: string): void {
    if (line.length <= 1 && line.trim() === "") return; // blank keep-alive lines
    const message = parseLine(line);
    if (message instanceof ParseFailure) {
      this.write(toLine(errorResponse(null, parseError(message.reason))));
    } else if (Array.isArray(message)) {
      runBatch(
        message,
        (request, respond) => this.dispatch(request, respond),
        (line) => this.write(line),
      );
    } else {
      const request = validateRequest(message);
      if (request instanceof InvalidRequest) {
        this.write(toLine(errorResponse(request.id, invalidRequest(request.reason))));
      } else {
        this.dispatch(request, this.respondSingle);
      }
    }
  }

  private readonly respondSingle: Respond = (response) => this.write(serialize(response));

  /** Runs one request; `respond` is called exactly once for a request and never for a notification. */
  private dispatch(request: JsonRpcRequest, respond: Respond): void {
    const { id } = request;
    if (request.method === CANCEL_METHOD) {
      this.cancel(request.params);
      if (id !== undefined) respond({ jsonrpc: "2.0", result: null, id });
      return;
    }
    const method = this.host.methods.get(request.method);
    const refusal = method === undefined ? methodNotFound(request.method) : this.refusal(id);
    if (refusal !== undefined || method === undefined) {
      if (id !== undefined && refusal !== undefined) respond(errorResponse(id, refusal));
      else this.host.logger?.debug({ method: request.method }, "jsonrpc: notification dropped");
      return;
    }
    const call = new ServerCall(this, id, respond);
    this.active.add(call);
    if (id !== undefined) this.byId.set(id, call);
    let out: unknown;
    try {
      out = method(request.params, call);
    } catch (err) {
      this.finish(call, err, true);
      return;
    }
    if (isThenable(out)) {
      out.then(
        (value) => this.finish(call, value, false),
        (err: unknown) => this.finish(call, err, true),
      );
    } else {
      this.finish(call, out, false);
    }
  }

  private refusal(id: JsonRpcId | undefined): JsonRpcError | undefined {
    if (this.state !== "open") {
      return errorFromSynapse(
        new SynapseError("UNAVAILABLE", "The server is shutting down; retry on another replica."),
      );
    }
    if (this.active.size >= this.host.maxInFlight) {
      return errorFromSynapse(
        new SynapseError(
          "RESOURCE_EXHAUSTED",
          `This connection already has ${this.host.maxInFlight} requests in flight; wait for one to finish or use another connection.`,
        ),
      );
    }
    if (id !== undefined && this.byId.has(id)) {
      return invalidRequest(`id ${JSON.stringify(id)} is already in flight on this connection`);
    }
    return undefined;
  }

  private finish(call: ServerCall, value: unknown, failed: boolean): void {
    if (call.done) return;
    call.done = true;
    call.cancelTimer?.();
    this.active.delete(call);
    if (call.id !== undefined) {
      this.byId.delete(call.id);
      if (failed) {
        const err = SynapseError.from(value);
        if (err.code === "INTERNAL" && err !== value) {
          this.host.logger?.error({ err: value }, "jsonrpc: method failed");
        }
        call.respond(errorResponse(call.id, errorFromSynapse(err)));
      } else {
        call.respond({ jsonrpc: "2.0", result: value === undefined ? null : value, id: call.id });
      }
    }
    if (this.active.size === 0) {
      this.idle.touch();
      if (this.state === "draining" && !this.aborting) this.end();
    }
  }

  private cancel(params: JsonRpcParams): void {
    const id = Array.isArray(params) ? params[0] : params?.id;
    const call = typeof id === "string" || typeof id === "number" ? this.byId.get(id) : undefined;
    if (call !== undefined) {
      this.abort(call, new SynapseError("CANCELLED", "The call was cancelled by the client."));
    }
  }

  // ---- limits and closing ----

  private onIdle(): void {
    if (this.state === "ending" || this.state === "closed") return;
    const err = new SynapseError(
      "UNAVAILABLE",
      `The connection was closed after ${this.host.idleTimeoutMs} ms without requests; reconnect to send more.`,
    );
    this.write(toLine(errorResponse(null, errorFromSynapse(err))));
    this.end();
  }

  private onOversize(): void {
    const max = this.host.maxLineBytes;
    this.host.logger?.warn({ maxLineBytes: max }, "jsonrpc: line too long, closing the connection");
    const error: JsonRpcError = {
      code: -32600,
      message: `Line exceeds ${max} bytes`,
      data: {
        code: "INVALID_ARGUMENT",
        details: {
          reason: `Send messages shorter than ${max} bytes, one per line; this connection is closed.`,
        },
      },
    };
    this.write(toLine(errorResponse(null, error)));
    this.end();
  }

  private write(line: string): void {
    if (this.state === "ending" || this.state === "closed") return;
    this.cork.hold();
    this.socket.write(line);
  }

  /** Ends the socket after what is written; data still arriving is read and dropped, not left to reset the peer. */
  private end(): void {
    if (this.state === "ending" || this.state === "closed") return;
    this.state = "ending";
    this.reader.stop();
    for (const call of [...this.active]) this.abort(call, connectionClosed());
    this.idle.stop();
    this.socket.end();
    this.cancelGrace = this.host.clock.setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
  }

  private onClose(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.reader.stop();
    for (const call of [...this.active]) this.abort(call, connectionClosed());
    this.idle.stop();
    this.cancelGrace?.();
    this.releaseDrain();
    this.host.closed(this);
  }

  private releaseDrain(): void {
    const resolve = this.resolveDrained;
    this.drained = undefined;
    this.resolveDrained = undefined;
    resolve?.();
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function"
  );
}
