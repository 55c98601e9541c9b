/**
 * The interceptor that reports every attempt to the balancer that picked its endpoint: `onStart`
 * before it goes out, `onFinish` with latency, success and code when it ends. Place it below the
 * circuit breaker and above the adaptive timeout (retry → breaker → tracking → timeout →
 * transport): below the breaker so attempts the breaker fails fast, without touching the network,
 * do not count against the replica; above the timeout so an attempt that runs out of time is seen
 * as DEADLINE_EXCEEDED rather than as the cancellation the timeout causes underneath.
 *
 * For a stream the latency is the time to its first event (what the caller waits for; the total
 * length depends on the answer), and the call finishes when the stream ends, fails or is abandoned.
 */
import {
  type Call,
  type CallOutput,
  type Clock,
  type Interceptor,
  SynapseError,
  settleCall,
  systemClock,
} from "@synapse/core";
import { watchStream } from "@synapse/resilience";
import type { AgentBalancer } from "./agent-balancer.js";
import type { CallOutcome } from "./strategy.js";

/** `balancerFor` returns the balancer of an agent's pool; calls without an endpoint or balancer pass through. */
export function trackCalls(
  balancerFor: (agent: string) => AgentBalancer | undefined,
  clock: Clock = systemClock,
): Interceptor {
  return (next) =>
    <C extends Call>(call: C): Promise<CallOutput<C>> => {
      const id = call.endpoint;
      const balancer = id === undefined ? undefined : balancerFor(call.request.agent);
      if (id === undefined || balancer === undefined) return next(call);
      const started = clock.now();
      balancer.onStart(id);
      const failed = (err: unknown): never => {
        balancer.onFinish(id, failure(err, clock.now() - started));
        throw err;
      };
      return settleCall(
        next,
        call,
        (output) => {
          if (!output.stream) {
            balancer.onFinish(id, { latencyMs: clock.now() - started, ok: true });
            return output;
          }
          const events = track(output.events, (outcome) => balancer.onFinish(id, outcome), started, clock);
          return { ...output, events } as CallOutput<C>;
        },
        failed,
      );
    };
}

function failure(err: unknown, latencyMs: number): CallOutcome {
  return { latencyMs, ok: false, code: SynapseError.from(err).code };
}

/**
 * Passes a stream through and reports its outcome once it ends: a failure is the replica's, and a
 * consumer that leaves (return() without an error) is not. A hand-written pass-through
 * (watchStream), not a generator: it costs each chunk less.
 */
function track<T>(
  events: AsyncIterable<T>,
  finish: (outcome: CallOutcome) => void,
  started: number,
  clock: Clock,
): AsyncIterable<T> {
  let firstAt: number | undefined;
  return watchStream(events, {
    onEvent: () => {
      firstAt ??= clock.now();
    },
    onEnd: (end) => {
      const latencyMs = (firstAt ?? clock.now()) - started;
      finish(end.kind === "error" ? failure(end.error, latencyMs) : { latencyMs, ok: true });
    },
  });
}
