/**
 * One persistent client socket: requests written as they come (queued until connected), answers
 * and chunk notifications routed to their calls by id. When the socket closes, every call still
 * on it fails — with the error the server announced (an `id: null` error line) or UNAVAILABLE.
 */
import { connect, type Socket } from "node:net";
import { type Logger, notSentError, SynapseError } from "@synapse/core";
import { type ChunkParams, JSONRPC_METHODS } from "./agent-wire.js";
import type { CallCarrier, ClientCall } from "./client-call.js";
import { LineReader } from "./line-reader.js";
import { ParseFailure, parseLine, synapseFromJsonRpc } from "./protocol.js";
import { TickCork } from "./tick-cork.js";

export type ClientConnectionState = "connecting" | "open" | "closed";

export class ClientConnection implements CallCarrier {
  state: ClientConnectionState = "connecting";
  private readonly socket: Socket;
  private readonly calls = new Map<number, ClientCall>();
  /** Request lines written before the socket connected, by call id. */
  private queue: [number, string][] | undefined = [];
  private closeError: SynapseError | undefined;
  private socketError: NodeJS.ErrnoException | undefined;
  private readonly whenClosed: Promise<void>;
  /** Calls started in the same turn go out in one write (see TickCork). */
  private readonly cork: TickCork;

  constructor(
    private readonly host: string,
    private readonly port: number,
    maxLineBytes: number,
    private readonly logger: Logger | undefined,
  ) {
    this.socket = connect({ host, port, noDelay: true });
    this.cork = new TickCork(this.socket);
    const reader = new LineReader(
      maxLineBytes,
      (line) => this.onLine(line),
      () => {
        this.closeError = new SynapseError(
          "RESOURCE_EXHAUSTED",
          `The server sent a message longer than ${maxLineBytes} bytes; raise the client's maxLineBytes.`,
        );
        this.socket.destroy();
      },
    );
    this.socket.on("connect", () => this.onConnect());
    this.socket.on("data", (chunk: Buffer) => reader.push(chunk));
    this.socket.on("error", (err) => {
      this.socketError = err;
    });
    this.whenClosed = new Promise((resolve) => {
      this.socket.on("close", () => {
        this.onClose();
        resolve();
      });
    });
  }

  /** Sends a request for `call`; `line` is the serialized request. */
  send(call: ClientCall, line: string): void {
    call.carrier = this;
    if (this.state === "closed") {
      call.answered(this.failure(), undefined);
      return;
    }
    this.calls.set(call.id, call);
    if (this.queue !== undefined) this.queue.push([call.id, line]);
    else this.write(line);
  }

  cancel(id: number): void {
    if (!this.calls.delete(id)) return;
    // Still queued: it never reaches the server (skipped on connect), so there is nothing to cancel.
    if (this.state === "open") this.write(`{"jsonrpc":"2.0","method":"$/cancel","params":{"id":${id}}}\n`);
  }

  /** Calls waiting for an answer on this socket. */
  pending(): number {
    return this.calls.size;
  }

  /** Closes the socket; calls still on it fail with `reason`. */
  close(reason: SynapseError): Promise<void> {
    this.closeError ??= reason;
    this.socket.destroy();
    return this.whenClosed;
  }

  private onConnect(): void {
    this.state = "open";
    const queue = this.queue ?? [];
    this.queue = undefined;
    for (const [id, line] of queue) if (this.calls.has(id)) this.write(line);
  }

  private write(line: string): void {
    this.cork.hold();
    this.socket.write(line);
  }

  private onLine(line: string): void {
    const message = parseLine(line);
    if (Array.isArray(message)) {
      for (const m of message) this.onMessage(m);
    } else if (!(message instanceof ParseFailure)) {
      this.onMessage(message);
    } else {
      this.logger?.warn(
        { reason: message.reason },
        "jsonrpc client: the server sent a line that is not JSON",
      );
    }
  }

  private onMessage(message: unknown): void {
    if (typeof message !== "object" || message === null) return;
    const m = message as Record<string, unknown>;
    if (m.method !== undefined) {
      // Chunks are the only notification a client listens for.
      if (m.method === JSONRPC_METHODS.chunk) this.onChunk(m.params);
      return;
    }
    const id = m.id;
    if (id === null || id === undefined) {
      // A connection-wide error (a limit, idle timeout, shutdown): the socket closes next.
      if (m.error !== undefined) this.closeError = synapseFromJsonRpc(m.error);
      return;
    }
    const call = typeof id === "number" ? this.calls.get(id) : undefined;
    if (call === undefined) return; // the answer to a call already given up (cancelled, timed out)
    this.calls.delete(call.id);
    if (m.error !== undefined) call.answered(synapseFromJsonRpc(m.error), undefined);
    else call.answered(undefined, m.result);
  }

  private onChunk(params: unknown): void {
    if (typeof params !== "object" || params === null) return;
    const p = params as Partial<ChunkParams>;
    const call = typeof p.id === "number" ? this.calls.get(p.id) : undefined;
    if (call === undefined) return;
    if (typeof p.streamId !== "string" || typeof p.seq !== "number" || typeof p.text !== "string") {
      call.abandon(new SynapseError("INTERNAL", "The server sent a malformed chunk; report this as a bug."));
      return;
    }
    call.push({ type: "chunk", streamId: p.streamId, seq: p.seq, text: p.text });
  }

  private failure(): SynapseError {
    if (this.closeError !== undefined) return this.closeError;
    const where = `${this.host}:${this.port}`;
    if (this.queue !== undefined) {
      const why = this.socketError?.code ?? this.socketError?.message ?? "closed";
      return notSentError(`Cannot connect to ${where} (${why}); is the service running?`);
    }
    return new SynapseError(
      "UNAVAILABLE",
      `The connection to ${where} closed before the call finished; retry.`,
    );
  }

  private onClose(): void {
    const err = this.failure();
    this.state = "closed";
    const calls = [...this.calls.values()];
    this.calls.clear();
    for (const call of calls) call.answered(err, undefined);
  }
}
