/**
 * The breaker layer: one CircuitBreaker per endpoint (`call.endpoint`). An OPEN circuit fails
 * the attempt at once with UNAVAILABLE and never calls `next`, so no network I/O happens; the
 * retry layer above then moves on to another replica. A unary call's outcome is known when it
 * settles; a stream's when it ends (or fails before its first event).
 */
import {
  type Call,
  type CallOutput,
  type Clock,
  type Interceptor,
  type Next,
  settleCall,
  systemClock,
} from "@synapse/core";
import { type CircuitBreaker as Breaker, type BreakerPermit, CircuitBreaker } from "./circuit-breaker.js";
import { circuitOpenError } from "./codes.js";
import type { BreakerStateChange } from "./events.js";
import type { BreakerOptions } from "./options.js";
import { watchStream } from "./stream-utils.js";

/** The name a breaker is kept under when a call has no endpoint (a single-endpoint transport). */
export const DEFAULT_ENDPOINT = "(default)";

/** Breakers by endpoint, created on first use; state changes go to `onChange`. */
export class BreakerRegistry {
  readonly #breakers = new Map<string, Breaker>();
  readonly #options: BreakerOptions;
  readonly #clock: Clock;
  readonly #onChange: (change: BreakerStateChange) => void;

  constructor(
    options: BreakerOptions,
    clock: Clock = systemClock,
    onChange: (change: BreakerStateChange) => void = () => {},
  ) {
    this.#options = options;
    this.#clock = clock;
    this.#onChange = onChange;
  }

  get(endpoint: string): Breaker {
    let breaker = this.#breakers.get(endpoint);
    if (breaker === undefined) {
      breaker = new CircuitBreaker(endpoint, this.#options, this.#clock, this.#onChange);
      this.#breakers.set(endpoint, breaker);
    }
    return breaker;
  }

  /** Every known endpoint's state name, e.g. for /health. */
  states(): Record<string, Breaker["state"]["kind"]> {
    return Object.fromEntries([...this.#breakers].map(([endpoint, b]) => [endpoint, b.state.kind]));
  }
}

export function breakerInterceptor(registry: BreakerRegistry): Interceptor {
  return (next: Next): Next =>
    <C extends Call>(call: C): Promise<CallOutput<C>> => {
      const breaker = registry.get(call.endpoint ?? DEFAULT_ENDPOINT);
      const admission = breaker.tryAcquire();
      if (!admission.admitted)
        return Promise.reject(circuitOpenError(breaker.endpoint, admission.retryAfterMs));
      const { permit } = admission;
      // A unary call settles once: a `then` instead of an async frame of its own on every call.
      if (!call.stream) {
        const failed = (err: unknown): never => {
          permit.release(breaker.classify(err, call.signal.aborted));
          throw err;
        };
        return settleCall(
          next,
          call,
          (output) => {
            permit.release("success");
            return output;
          },
          failed,
        );
      }
      return guardStream(next, call, breaker, permit);
    };
}

async function guardStream<C extends Call>(
  next: Next,
  call: C,
  breaker: Breaker,
  permit: BreakerPermit,
): Promise<CallOutput<C>> {
  let output: CallOutput<C>;
  try {
    output = await next(call);
  } catch (err) {
    permit.release(breaker.classify(err, call.signal.aborted));
    throw err;
  }
  if (!output.stream) {
    permit.release("success");
    return output;
  }
  const events = watchStream(output.events, {
    onEnd: (end) => {
      if (end.kind === "done") permit.release("success");
      else if (end.kind === "error") permit.release(breaker.classify(end.error, call.signal.aborted));
      // A consumer that stops early says nothing about the endpoint.
      else permit.release("ignored");
    },
  });
  return { ...output, events };
}
