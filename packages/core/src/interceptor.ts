/**
 * One interceptor type for every transport, unary and streaming (after connect-es): a call says
 * whether it streams, and an interceptor wraps the next function in the chain. The resilience
 * layer (metrics → fallback → retry → breaker → adaptive timeout → transport) is built from these.
 */
import type { AgentRequest, AgentResponse, StreamEvent } from "./contract.js";

interface CallBase {
  request: AgentRequest;
  /** Aborts the call and everything under it. */
  signal: AbortSignal;
  /** Absolute deadline in epoch milliseconds, covering every attempt; undefined for none. */
  deadline: number | undefined;
  /** Propagated to the service: request id, trace context. */
  metadata: Record<string, string>;
  /** The replica this attempt goes to, chosen by the balancer (undefined until one is picked). */
  endpoint?: string;
  /**
   * Replicas the balancer should avoid for this call if it has others, e.g. the one a continued
   * stream just failed on. A hint: when every replica is avoided, any may be picked.
   */
  avoidEndpoints?: readonly string[];
}

export interface UnaryCall extends CallBase {
  stream: false;
}

export interface StreamCall extends CallBase {
  stream: true;
  /** Resume the stream `streamId` after `afterSeq` instead of starting a new one. */
  resume?: { streamId: string; afterSeq: number };
}

export type Call = UnaryCall | StreamCall;

/** `endpoint` names the replica that answered, when the layer that picked it knows (the retry layer sets it). */
export type CallOutput<C extends Call = Call> = C extends UnaryCall
  ? { stream: false; response: AgentResponse; endpoint?: string }
  : { stream: true; events: AsyncIterable<StreamEvent>; endpoint?: string };

export type Next = <C extends Call>(call: C) => Promise<CallOutput<C>>;

export type Interceptor = (next: Next) => Next;

/** Composes interceptors so the first one given is the outermost. */
export function chain(interceptors: readonly Interceptor[], transport: Next): Next {
  return interceptors.reduceRight<Next>((next, interceptor) => interceptor(next), transport);
}

/**
 * `next(call)` followed by `ok` or `failed`, for layers that record each attempt's outcome. A
 * `then`, not an async frame (these run on every attempt), and a synchronous throw from `next`
 * reaches `failed` like a rejection. `failed` rethrows, so the call fails as it would have.
 */
export function settleCall<C extends Call>(
  next: Next,
  call: C,
  ok: (output: CallOutput<C>) => CallOutput<C>,
  failed: (err: unknown) => never,
): Promise<CallOutput<C>> {
  let sent: Promise<CallOutput<C>>;
  try {
    sent = next(call);
  } catch (err) {
    return Promise.reject(err).catch(failed);
  }
  return sent.then(ok, failed);
}
