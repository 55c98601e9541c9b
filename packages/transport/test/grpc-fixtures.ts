/**
 * Test fixtures for the gRPC transport: a small in-test AgentHandler (the real service core is
 * another package's), a fake Clock, a server on 127.0.0.1:0 and a TCP proxy that can cut
 * connections. What the fake handler does is steered by the request's input:
 *   { chunks?: n }         stream n chunks "t1 ", "t2 ", … then the final event (default 3)
 *   { block: true }        wait until the call's signal aborts (then throw its reason) or `release()`
 *   { deaf: true }         wait until `release()`, ignoring the signal
 *   { blockAfter: k }      stream k chunks, then wait until aborted
 *   { fail: Code, message?, retryAfterMs?, details? }   throw that SynapseError
 *   { crash: true }        throw a foreign (non-Synapse) error
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, createServer, type Server as NetServer, type Socket } from "node:net";
import {
  type AgentHandler,
  type AgentRequest,
  type AgentResponse,
  assertAgentAction,
  type CallContext,
  type Clock,
  type Code,
  type HealthStatus,
  hashText,
  type ServiceDescription,
  type StreamEvent,
  SynapseError,
} from "@synapse/core";
import { createGrpcServer, type GrpcServer, type GrpcServerOptions } from "../src/grpc/index.js";

/** A claude/plan request with `input` (by default a valid one). */
export const plan = (input: Record<string, unknown> = { task: "x" }): AgentRequest => ({
  agent: "claude",
  action: "plan",
  input,
});

/** The SynapseError `promise` rejects with; fails the test when it resolves or rejects with anything else. */
export async function failure(promise: Promise<unknown>): Promise<SynapseError> {
  const err = await promise.then(
    () => assert.fail("expected a failure"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof SynapseError, `not a SynapseError: ${String(err)}`);
  return err;
}

export async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

export interface StartedCall {
  method: "invoke" | "stream" | "resume";
  request: AgentRequest | undefined;
  ctx: CallContext;
}

export class FakeHandler implements AgentHandler {
  status: HealthStatus = "SERVING";
  readonly calls: StartedCall[] = [];
  /** Streams whose generator ran its cleanup (finished, failed or stopped early). */
  stopped = 0;
  private readonly stopWaiters: (() => void)[] = [];
  private readonly streams = new Map<string, string[]>();
  private readonly waiters: ((call: StartedCall) => void)[] = [];
  /** Settles an invoke that blocks: resolve it with a response instead of waiting for abort. */
  release: (() => void) | undefined;

  describe(): ServiceDescription {
    return {
      agent: "claude",
      actions: [{ name: "plan", description: "Plans." }],
      provider: "sim",
      model: "sim-1",
      isolation: "none",
      replica: 2,
      version: "0.1.0",
    };
  }

  health(): HealthStatus {
    return this.status;
  }

  /** Resolves with the next call the handler starts. */
  nextCall(): Promise<StartedCall> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once `total` calls have started in all. */
  async untilCalls(total: number): Promise<void> {
    while (this.calls.length < total) await this.nextCall();
  }

  /** Resolves when the next stream's generator has run its cleanup. */
  nextStop(): Promise<void> {
    return new Promise((resolve) => this.stopWaiters.push(resolve));
  }

  async invoke(request: AgentRequest, ctx: CallContext): Promise<AgentResponse> {
    this.started({ method: "invoke", request, ctx });
    assertAgentAction(request.agent, request.action);
    const input = request.input;
    failIfAsked(input);
    if (input.deaf === true) await new Promise<void>((resolve) => (this.release = resolve));
    if (input.block === true) {
      await new Promise<void>((resolve, reject) => {
        this.release = resolve;
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true });
      });
    }
    return response(request, `answer to ${JSON.stringify(input)}`);
  }

  async *stream(request: AgentRequest, ctx: CallContext): AsyncIterable<StreamEvent> {
    this.started({ method: "stream", request, ctx });
    try {
      assertAgentAction(request.agent, request.action);
      failIfAsked(request.input);
      const streamId = request.streamId ?? "s-1";
      const count = typeof request.input.chunks === "number" ? request.input.chunks : 3;
      const blockAfter = request.input.blockAfter;
      const texts: string[] = [];
      this.streams.set(streamId, texts);
      for (let seq = 1; seq <= count; seq++) {
        if (seq - 1 === blockAfter) await abortOf(ctx.signal);
        texts.push(`t${seq} `);
        yield { type: "chunk", streamId, seq, text: `t${seq} ` };
      }
      if (blockAfter === count) await abortOf(ctx.signal);
      yield final(request, streamId, texts);
    } finally {
      this.stopped++;
      for (const waiter of this.stopWaiters.splice(0)) waiter();
    }
  }

  async *resume(streamId: string, afterSeq: number, ctx: CallContext): AsyncIterable<StreamEvent> {
    this.started({ method: "resume", request: undefined, ctx });
    const texts = this.streams.get(streamId);
    if (texts === undefined) throw new SynapseError("NOT_FOUND", `No stream "${streamId}" here.`);
    for (let seq = afterSeq + 1; seq <= texts.length; seq++) {
      yield { type: "chunk", streamId, seq, text: texts[seq - 1]! };
    }
    yield final({ agent: "claude", action: "plan", input: {} }, streamId, texts);
  }

  private started(call: StartedCall): void {
    this.calls.push(call);
    for (const waiter of this.waiters.splice(0)) waiter(call);
  }
}

function failIfAsked(input: Record<string, unknown>): void {
  if (input.crash === true) throw new Error("disk /var/secret/path exploded");
  if (typeof input.fail === "string") {
    throw new SynapseError(input.fail as Code, typeof input.message === "string" ? input.message : "failed", {
      ...(typeof input.retryAfterMs === "number" ? { retryAfterMs: input.retryAfterMs } : {}),
      ...(typeof input.details === "object" ? { details: input.details as Record<string, unknown> } : {}),
    });
  }
}

async function abortOf(signal: AbortSignal): Promise<never> {
  if (!signal.aborted) await once(signal, "abort");
  throw signal.reason;
}

function response(request: AgentRequest, text: string): AgentResponse {
  return {
    agent: request.agent,
    action: request.action,
    result: { steps: [{ id: 1, goal: "g", check: "c" }], nested: { ok: true, n: null } },
    text,
    usage: { inputTokens: 3, outputTokens: 5 },
    provider: "sim",
    model: "sim-1",
    latencyMs: 1.5,
  };
}

function final(request: AgentRequest, streamId: string, texts: string[]): StreamEvent {
  const text = texts.join("");
  return {
    type: "final",
    streamId,
    lastSeq: texts.length,
    hash: hashText(text),
    response: response(request, text),
  };
}

/** A Clock whose time moves only when a test says so. */
export class FakeClock implements Clock {
  private timers: { at: number; fn: () => void }[] = [];
  constructor(private time = 1_000_000) {}
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): () => void {
    const timer = { at: this.time + ms, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }
  /** Moves time forward by `ms`, firing the timers that fall due, in order. */
  advance(ms: number): void {
    this.time += ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= this.time).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) return;
      this.timers = this.timers.filter((t) => t !== due);
      due.fn();
    }
  }
  get pending(): number {
    return this.timers.length;
  }
}

export interface Started {
  server: GrpcServer;
  port: number;
  address: string;
}

/** A gRPC server for `handler` on 127.0.0.1, on a free port. */
export async function startServer(
  handler: AgentHandler,
  options: Partial<GrpcServerOptions> = {},
): Promise<Started> {
  const server = createGrpcServer({ handler, maxMessageBytes: 1024 * 1024, ...options });
  const port = await server.listen(0, "127.0.0.1");
  return { server, port, address: `127.0.0.1:${port}` };
}

/** A TCP proxy to 127.0.0.1:`targetPort` whose connections a test can cut, as a crashed client would. */
export async function startProxy(targetPort: number) {
  const sockets = new Set<Socket>();
  const server: NetServer = createServer((client) => {
    const upstream = connect(targetPort, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    address: `127.0.0.1:${port}`,
    /** Destroys every connection through the proxy, both sides. */
    cut(): void {
      for (const s of sockets) s.destroy();
    },
    async close(): Promise<void> {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
