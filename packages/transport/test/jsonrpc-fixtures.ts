/**
 * Test fixtures for the JSON-RPC transport: a small in-test AgentHandler (the real service core
 * is another package's), a raw line client that speaks the wire by hand, and a bounded wait.
 * What the fake handler does is steered by the request's input:
 *   { echo: "text" }              answer with that text (the default: "")
 *   { throw: Code, retryAfterMs?, details? }   throw that SynapseError
 *   { block: true }               wait until the call's signal aborts, then throw its reason
 *   { wait: "key" }               wait until `release("key")`
 *   { chunks: n, blockAfter?: k, chunkBytes?: b }   stream n chunks ("c1 ", "c2 ", … or b bytes
 *                                 each), waiting for abort after k of them, then the final event
 * Every call is observable by its requestId (`started`, `ended`); resume calls by "resume:<streamId>".
 */
import { connect, type Socket } from "node:net";
import {
  type AgentHandler,
  type AgentRequest,
  type AgentResponse,
  type CallContext,
  type Code,
  type HealthStatus,
  hashText,
  type ServiceDescription,
  type StreamChunk,
  type StreamEvent,
  SynapseError,
} from "@synapse/core";
import { createJsonRpcServer, type JsonRpcServer, type JsonRpcServerOptions } from "../src/jsonrpc/index.js";

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

interface StreamPlan {
  n: number;
  text: (seq: number) => string;
}

export class FakeHandler implements AgentHandler {
  status: HealthStatus = "SERVING";
  /** Chunks the server has pulled from stream generators. */
  pulled = 0;
  private readonly starts = new Map<string, Deferred<CallContext>>();
  private readonly ends = new Map<string, Deferred<void>>();
  private readonly gates = new Map<string, Deferred<void>>();
  private readonly plans = new Map<string, StreamPlan>();
  private streamCount = 0;

  /** Resolves with the call's context once the handler has started it. */
  started(key: string): Promise<CallContext> {
    return this.entry(this.starts, key).promise;
  }

  /** Resolves once the call has finished in the handler (returned, thrown or stopped). */
  ended(key: string): Promise<void> {
    return this.entry(this.ends, key).promise;
  }

  release(key: string): void {
    this.entry(this.gates, key).resolve();
  }

  describe(): ServiceDescription {
    return {
      agent: "claude",
      actions: [{ name: "plan", description: "Plans." }],
      provider: "fake",
      model: "fake-1",
      isolation: "none",
      replica: 0,
      version: "0.0.0",
    };
  }

  health(): HealthStatus {
    return this.status;
  }

  async invoke(request: AgentRequest, ctx: CallContext): Promise<AgentResponse> {
    const key = request.requestId ?? "";
    this.entry(this.starts, key).resolve(ctx);
    try {
      await this.behave(request.input, ctx);
      return fakeResponse(request, typeof request.input.echo === "string" ? request.input.echo : "");
    } finally {
      this.entry(this.ends, key).resolve();
    }
  }

  async *stream(request: AgentRequest, ctx: CallContext): AsyncGenerator<StreamEvent> {
    const key = request.requestId ?? "";
    this.entry(this.starts, key).resolve(ctx);
    try {
      const input = request.input;
      await this.behave(input, ctx);
      const bytes = typeof input.chunkBytes === "number" ? input.chunkBytes : 0;
      const big = "x".repeat(bytes);
      this.streamCount += 1;
      const streamId = request.streamId ?? `s_fake_${this.streamCount}`;
      const plan: StreamPlan = {
        n: typeof input.chunks === "number" ? input.chunks : 3,
        text: (seq) => (bytes > 0 ? big : `c${seq} `),
      };
      this.plans.set(streamId, plan);
      const blockAfter = typeof input.blockAfter === "number" ? input.blockAfter : undefined;
      yield* this.play(request, streamId, plan, 0, blockAfter, ctx);
    } finally {
      this.entry(this.ends, key).resolve();
    }
  }

  async *resume(streamId: string, afterSeq: number, ctx: CallContext): AsyncGenerator<StreamEvent> {
    const key = `resume:${streamId}`;
    this.entry(this.starts, key).resolve(ctx);
    try {
      const plan = this.plans.get(streamId);
      if (plan === undefined) throw new SynapseError("NOT_FOUND", `No stream ${streamId}.`);
      const request: AgentRequest = { agent: "claude", action: "plan", input: {} };
      yield* this.play(request, streamId, plan, afterSeq, undefined, ctx);
    } finally {
      this.entry(this.ends, key).resolve();
    }
  }

  private async *play(
    request: AgentRequest,
    streamId: string,
    plan: StreamPlan,
    afterSeq: number,
    blockAfter: number | undefined,
    ctx: CallContext,
  ): AsyncGenerator<StreamEvent> {
    let full = "";
    for (let seq = 1; seq <= plan.n; seq++) {
      const text = plan.text(seq);
      full += text;
      if (seq <= afterSeq) continue;
      if (blockAfter !== undefined && seq > blockAfter) await abortion(ctx.signal);
      this.pulled += 1;
      const chunk: StreamChunk = { type: "chunk", streamId, seq, text };
      yield chunk;
    }
    yield {
      type: "final",
      streamId,
      lastSeq: plan.n,
      hash: hashText(full),
      response: fakeResponse(request, full),
    };
  }

  private async behave(input: Record<string, unknown>, ctx: CallContext): Promise<void> {
    if (typeof input.throw === "string") {
      throw new SynapseError(input.throw as Code, `fake failure ${input.throw}`, {
        ...(typeof input.retryAfterMs === "number" ? { retryAfterMs: input.retryAfterMs } : {}),
        ...(typeof input.details === "object" ? { details: input.details as Record<string, unknown> } : {}),
      });
    }
    if (input.block === true) await abortion(ctx.signal);
    if (typeof input.wait === "string") await this.entry(this.gates, input.wait).promise;
  }

  private entry<T>(map: Map<string, Deferred<T>>, key: string): Deferred<T> {
    let d = map.get(key);
    if (d === undefined) {
      d = deferred<T>();
      map.set(key, d);
    }
    return d;
  }
}

/** Rejects with the signal's reason once it aborts. */
function abortion(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

export function fakeResponse(request: AgentRequest, text: string): AgentResponse {
  return {
    agent: request.agent,
    action: request.action,
    result: {},
    text,
    usage: { inputTokens: 0, outputTokens: 0 },
    provider: "fake",
    model: "fake-1",
    latencyMs: 0,
  };
}

/** A JSON-RPC server on 127.0.0.1:0 serving `handler`. */
export async function startServer(
  options: JsonRpcServerOptions = {},
): Promise<{ server: JsonRpcServer; port: number; handler: FakeHandler }> {
  const handler = (options.handler as FakeHandler | undefined) ?? new FakeHandler();
  const server = createJsonRpcServer({ ...options, handler });
  const port = await server.listen(0);
  return { server, port, handler };
}

/** A client that speaks the wire by hand: writes raw lines, reads parsed ones. */
export class RawClient {
  private pending: Buffer[] = [];
  private readonly lines: unknown[] = [];
  private waiter: (() => void) | undefined;
  private isClosed = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      let start = 0;
      let nl = chunk.indexOf(10);
      while (nl !== -1) {
        this.pending.push(chunk.subarray(start, nl));
        this.lines.push(JSON.parse(Buffer.concat(this.pending).toString("utf8")));
        this.pending = [];
        start = nl + 1;
        nl = chunk.indexOf(10, start);
      }
      if (start < chunk.length) this.pending.push(chunk.subarray(start));
      this.wake();
    });
    socket.on("error", () => {});
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port });
      socket.once("connect", () => resolve(new RawClient(socket)));
      socket.once("error", reject);
    });
  }

  /** Writes `value` as one JSON line. */
  send(value: unknown): void {
    this.socket.write(`${JSON.stringify(value)}\n`);
  }

  /** Writes raw text (add the newline yourself). */
  write(text: string): void {
    this.socket.write(text);
  }

  /** The next line received, parsed; rejects when the connection closes first. */
  async next(): Promise<unknown> {
    for (;;) {
      if (this.lines.length > 0) return this.lines.shift();
      if (this.isClosed) throw new Error("connection closed");
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }

  /** Sends a request and returns the next line (use only when nothing else is in flight). */
  async request(id: number | string, method: string, params?: unknown): Promise<Record<string, unknown>> {
    this.send({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) });
    return (await this.next()) as Record<string, unknown>;
  }

  /** Asserts the server still answers on this connection. */
  async assertServing(id: number | string = "health"): Promise<void> {
    const answer = await this.request(id, "health.check");
    if ((answer.result as { status?: unknown } | undefined)?.status !== "SERVING") {
      throw new Error(`server not serving: ${JSON.stringify(answer)}`);
    }
  }

  close(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}

/**
 * Waits (yielding to the event loop, never sleeping a fixed time) until `condition` holds; fails
 * after `timeoutMs` of real time so a broken behaviour fails the test instead of hanging it.
 */
export async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Options for every test: a hang fails the test instead of the run. */
export const T = { timeout: 15_000 };
