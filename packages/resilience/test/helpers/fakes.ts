/** Test doubles: clocks, seeded randomness, calls and small in-test `Next` functions. */
import {
  type ActionName,
  type AgentName,
  type AgentRequest,
  type AgentResponse,
  type Call,
  type CallOutput,
  type Clock,
  flushMicrotasks,
  hashText,
  type Next,
  type StreamCall,
  type StreamEvent,
  type UnaryCall,
} from "@synapse/core";

/**
 * A clock whose timers fire at once (on a microtask) while time jumps ahead by their delay, so
 * code that sleeps runs instantly and `delays` records every sleep in order.
 */
export class AutoClock implements Clock {
  current = 1_700_000_000_000;
  readonly delays: number[] = [];
  now(): number {
    return this.current;
  }
  setTimeout(fn: () => void, ms: number): () => void {
    this.delays.push(ms);
    this.current += ms;
    let cancelled = false;
    queueMicrotask(() => {
      if (!cancelled) fn();
    });
    return () => {
      cancelled = true;
    };
  }
}

/**
 * A manual clock that drives a whole call: `run(promise)` lets everything runnable run, then jumps
 * time to the earliest timer and fires it, until the promise settles. Sleeps therefore pass at
 * once while timers that get cancelled (an answered call's timeout) never fire; `fired` lists the
 * delays of the timers that did fire, in order.
 */
export class DrivenClock implements Clock {
  current = 1_700_000_000_000;
  readonly fired: number[] = [];
  #timers: { at: number; ms: number; seq: number; fn: () => void }[] = [];
  #seq = 0;
  now(): number {
    return this.current;
  }
  setTimeout(fn: () => void, ms: number): () => void {
    const timer = { at: this.current + Math.max(0, ms), ms, seq: this.#seq++, fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }
  async run<T>(promise: Promise<T>): Promise<T> {
    let settled = false;
    promise.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    for (;;) {
      await flushMicrotasks();
      if (settled) return promise;
      const next = [...this.#timers].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (next === undefined) throw new Error("DrivenClock: the call waits on something other than time");
      this.#timers = this.#timers.filter((t) => t !== next);
      this.current = next.at;
      this.fired.push(next.ms);
      next.fn();
    }
  }
}

/** mulberry32: a small seeded generator of [0, 1), so "random" tests are repeatable. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function request(
  agent: AgentName = "claude",
  action: ActionName = "plan",
  input: Record<string, unknown> = { task: "build a thing" },
): AgentRequest {
  return { agent, action, input };
}

const NEVER = new AbortController().signal;

export function unary(req: AgentRequest = request(), extra: Partial<UnaryCall> = {}): UnaryCall {
  return { stream: false, request: req, signal: NEVER, deadline: undefined, metadata: {}, ...extra };
}

export function streaming(req: AgentRequest = request(), extra: Partial<StreamCall> = {}): StreamCall {
  return { stream: true, request: req, signal: NEVER, deadline: undefined, metadata: {}, ...extra };
}

export function response(req: AgentRequest, text = "ok", provider = "sim"): AgentResponse {
  return {
    agent: req.agent,
    action: req.action,
    result: { text },
    text,
    usage: { inputTokens: 1, outputTokens: 1 },
    provider,
    model: "sim-1",
    latencyMs: 1,
  };
}

/** A Next from one function that answers unary calls and opens streams, typed once here. */
export function fakeNext(handlers: {
  unary?: (call: UnaryCall) => Promise<AgentResponse>;
  stream?: (call: StreamCall) => Promise<AsyncIterable<StreamEvent>> | AsyncIterable<StreamEvent>;
  /** Names the endpoint in the output (what a retry layer would). */
  endpointOf?: (call: Call) => string | undefined;
}): Next {
  return (async (call: Call) => {
    const endpoint = handlers.endpointOf?.(call);
    const extra = endpoint === undefined ? {} : { endpoint };
    if (!call.stream) {
      if (!handlers.unary) throw new Error("no unary handler");
      return { stream: false, response: await handlers.unary(call), ...extra };
    }
    if (!handlers.stream) throw new Error("no stream handler");
    return { stream: true, events: await handlers.stream(call), ...extra };
  }) as Next;
}

/** The n-th chunk's text in the deterministic test streams. */
export const chunkText = (seq: number) => `tok${seq} `;

export function fullText(n: number): string {
  let s = "";
  for (let i = 1; i <= n; i++) s += chunkText(i);
  return s;
}

/**
 * A deterministic stream of `total` chunks, honouring `request.continuation` (it starts after
 * afterSeq, repeating `repeat` earlier chunks as a careless replica might), and failing with
 * `failAt.error` once it would send chunk `failAt.seq`.
 */
export async function* simStream(
  call: StreamCall,
  total: number,
  opts: { failAt?: { seq: number; error: Error }; repeat?: number } = {},
): AsyncGenerator<StreamEvent> {
  const streamId = call.request.streamId ?? "s_test";
  const after = call.request.continuation?.afterSeq ?? 0;
  const from = Math.max(1, after + 1 - (call.request.continuation ? (opts.repeat ?? 0) : 0));
  for (let seq = from; seq <= total; seq++) {
    if (opts.failAt !== undefined && seq === opts.failAt.seq) throw opts.failAt.error;
    yield { type: "chunk", streamId, seq, text: chunkText(seq) };
  }
  const text = fullText(total);
  yield {
    type: "final",
    streamId,
    lastSeq: total,
    hash: hashText(text),
    response: response(call.request, text),
  };
}

/** Collects a stream's events. */
export async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** A promise with its resolve/reject exposed. */
export function deferred<T>(): {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
} {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Unwraps a unary output (tests know which kind they made). */
export function unaryOut(output: CallOutput): AgentResponse {
  if (output.stream) throw new Error("expected a unary output");
  return output.response;
}
