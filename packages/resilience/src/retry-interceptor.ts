/**
 * The retry layer (gRFC A6). Before each attempt it asks the balancer's `pickEndpoint` for a
 * replica, excluding the ones that already failed in this call (and any the call asks to avoid).
 * A failed attempt is retried when its code is retryable, attempts remain (≤ 5 including the
 * first), the server did not push back with a negative delay, the retry-throttle bucket of the
 * replica the retry would go to allows it, and the next attempt can start before the caller's
 * deadline. Buckets are kept per replica (per agent when no replica is named): gRFC A6 throttles
 * per server so retries cannot pile onto an overloaded one, and a retry sent to a healthy replica
 * adds nothing to the load of the one that failed — so when one of three replicas dies with many
 * calls on it, their retries go to the others instead of being throttled away. The delay follows the
 * backoff schedule, or the server's pushback (`SynapseError.retryAfterMs`) when present, after
 * which the schedule restarts. A breaker's fail-fast rejection sent no request, so the next
 * replica is tried without waiting and without spending a throttle token.
 *
 * A stream is retried only until its first event: that event is pulled here before anything is
 * delivered, and once delivered the stream is committed (resuming it is the checkpoint layer's
 * job, never a retry's).
 */
import {
  type Call,
  type CallOutput,
  type Clock,
  type Code,
  type Interceptor,
  type Next,
  SynapseError,
  sleep,
  wasNotSent,
} from "@synapse/core";
import { RetryBackoff } from "./backoff.js";
import { isCircuitOpen } from "./codes.js";
import type { GiveUpReason, ResilienceEvents } from "./events.js";
import type { RetryOptions } from "./options.js";
import type { RetryThrottle } from "./retry-throttle.js";
import { peek, watchStream } from "./stream-utils.js";

/**
 * The balancer's hook: the endpoint for the next attempt, avoiding `exclude` when it can (when
 * every endpoint is excluded it should return any). Undefined keeps `call.endpoint`.
 */
export type PickEndpoint = (call: Call, exclude: ReadonlySet<string>) => string | undefined;

export interface RetryDeps {
  options: RetryOptions;
  /** Shared across calls so the bucket sees every call to a target; undefined turns throttling off. */
  throttle: RetryThrottle | undefined;
  pickEndpoint?: PickEndpoint | undefined;
  clock: Clock;
  /** Returns [0, 1); the jitter's source. */
  random: () => number;
  events: ResilienceEvents;
}

/** An attempt that failed before the retry loop took the call over. */
interface FailedAttempt {
  endpoint: string | undefined;
  err: unknown;
}

/** The exclusions of a call that has avoided nothing yet. */
const NONE: ReadonlySet<string> = new Set();

export function retryInterceptor(deps: RetryDeps): Interceptor {
  const { options, throttle, clock, events } = deps;
  const retryable = new Set<Code>(options.retryableCodes);
  // Fast-failed by an open breaker, or never sent (no connection): neither says the service
  // is overloaded, so neither spends throttle tokens (gRFC A6's transparent retry).
  const countable = (err: unknown, code: Code) =>
    retryable.has(code) && !isCircuitOpen(err) && !wasNotSent(err);
  const newBackoff = () => new RetryBackoff(options, deps.random);

  const emitAttempt = (call: Call, attempt: number, endpoint: string | undefined) => {
    if (events.listenerCount("attempt") === 0) return;
    const { agent, action } = call.request;
    events.emit("attempt", { agent, action, stream: call.stream, attempt, endpoint, at: clock.now() });
  };

  return (next: Next): Next => {
    /** The attempts of `call`, starting after `failed` (its first attempt) when given. */
    const attempts = async <C extends Call>(call: C, failed?: FailedAttempt): Promise<CallOutput<C>> => {
      const bucket = (endpoint: string | undefined) => endpoint ?? call.request.agent;
      const facts = { agent: call.request.agent, action: call.request.action, stream: call.stream };
      // What only a failed attempt needs is made when one fails: most calls succeed at once.
      let exclude: Set<string> | undefined =
        call.avoidEndpoints === undefined || call.avoidEndpoints.length === 0
          ? undefined
          : new Set(call.avoidEndpoints);
      let backoff: RetryBackoff | undefined;

      let lastError: SynapseError | undefined;
      let pending = failed;
      for (let attempt = 1; ; attempt++) {
        let endpoint: string | undefined;
        let err: unknown;
        if (pending !== undefined) {
          ({ endpoint, err } = pending);
          pending = undefined;
        } else {
          endpoint = deps.pickEndpoint?.(call, exclude ?? NONE) ?? call.endpoint;
          if (lastError !== undefined && throttle !== undefined && !wasNotSent(lastError)) {
            if (!throttle.allowsRetry(bucket(endpoint))) {
              events.emit("giveup", {
                ...facts,
                attempts: attempt - 1,
                code: lastError.code,
                reason: "throttled",
                at: clock.now(),
              });
              throw lastError;
            }
          }
          const attemptCall: C = endpoint === undefined ? call : { ...call, endpoint };
          emitAttempt(call, attempt, endpoint);
          try {
            if (!attemptCall.stream) {
              const output = await next(attemptCall);
              throttle?.onSuccess(bucket(endpoint));
              return { ...output, endpoint } as CallOutput<C>;
            }
            const output = (await next(attemptCall)) as CallOutput<typeof attemptCall & { stream: true }>;
            const peeked = await peek(output.events);
            // Committed: from here on a failure goes up, never into another attempt.
            const attempted = endpoint;
            const watched = watchStream(peeked.events, {
              onEnd: (end) => {
                if (end.kind === "done") throttle?.onSuccess(bucket(attempted));
                else if (end.kind === "error" && countable(end.error, SynapseError.from(end.error).code)) {
                  throttle?.onFailure(bucket(attempted));
                }
              },
            });
            return { stream: true, events: watched, endpoint } as CallOutput<C>;
          } catch (caught) {
            err = caught;
          }
        }

        const error = SynapseError.from(err);
        if (call.signal.aborted) throw error;
        if (countable(err, error.code)) throttle?.onFailure(bucket(endpoint));
        if (endpoint !== undefined) {
          exclude ??= new Set();
          exclude.add(endpoint);
        }

        const giveUp = (reason: GiveUpReason): SynapseError => {
          events.emit("giveup", { ...facts, attempts: attempt, code: error.code, reason, at: clock.now() });
          return error;
        };
        if (!retryable.has(error.code)) throw giveUp("not_retryable");
        if (attempt >= options.maxAttempts) throw giveUp("max_attempts");
        const pushback = error.retryAfterMs;
        if (pushback !== undefined && pushback < 0) throw giveUp("pushback");

        let delayMs: number;
        if (pushback !== undefined) {
          delayMs = pushback;
          backoff?.restart();
        } else {
          backoff ??= newBackoff();
          delayMs = isCircuitOpen(err) || wasNotSent(err) ? 0 : backoff.next();
        }
        if (call.deadline !== undefined && clock.now() + delayMs >= call.deadline) throw giveUp("deadline");
        lastError = error;

        events.emit("retry", {
          ...facts,
          attempt,
          endpoint,
          code: error.code,
          delayMs,
          pushback: pushback !== undefined,
          at: clock.now(),
        });
        if (delayMs > 0) {
          try {
            await sleep(delayMs, call.signal, clock);
          } catch (reason) {
            throw SynapseError.from(reason, "CANCELLED");
          }
        }
      }
    };

    return <C extends Call>(call: C): Promise<CallOutput<C>> => {
      if (call.stream || (call.avoidEndpoints !== undefined && call.avoidEndpoints.length > 0)) {
        return attempts(call);
      }
      // A unary call's first attempt runs outside the retry loop's async frame (~3 KB a call with
      // its closures): most calls need no second one, and a failure joins the loop as attempt 1.
      let endpoint: string | undefined;
      let sent: Promise<CallOutput<C>>;
      try {
        endpoint = deps.pickEndpoint?.(call, NONE) ?? call.endpoint;
        emitAttempt(call, 1, endpoint);
      } catch (err) {
        return Promise.reject(err);
      }
      try {
        sent = next(endpoint === undefined ? call : { ...call, endpoint });
      } catch (err) {
        return attempts(call, { endpoint, err });
      }
      return sent.then(
        (output) => {
          throttle?.onSuccess(endpoint ?? call.request.agent);
          return { ...output, endpoint };
        },
        (err: unknown) => attempts(call, { endpoint, err }),
      );
    };
  };
}
