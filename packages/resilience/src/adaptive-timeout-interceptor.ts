/**
 * The adaptive-timeout layer, innermost before the transport, so each attempt gets its own
 * budget. When a budget runs out it aborts the signal it passed down (the transport cancels the
 * request) and fails the attempt with DEADLINE_EXCEEDED. A timed-out attempt is recorded as a
 * latency equal to its budget, so after a step up in latency the budget grows (×1.5 per round)
 * instead of timing out forever; attempts cut short by the caller's own deadline are not recorded,
 * since they say nothing about the endpoint.
 */
import {
  type Call,
  type CallOutput,
  type Clock,
  type Interceptor,
  type Next,
  type StreamEvent,
  SynapseError,
} from "@synapse/core";
import type { AdaptiveTimeouts, TimeoutKey } from "./adaptive-timeouts.js";
import type { ResilienceEvents, TimeoutPhase } from "./events.js";
import { childController, closeQuietly } from "./stream-utils.js";

export interface AdaptiveTimeoutDeps {
  timeouts: AdaptiveTimeouts;
  clock: Clock;
  events: ResilienceEvents;
}

/** Settles like `promise`, or rejects with `onTimeout()` after `ms` on `clock`. */
export function withBudget<T>(
  promise: Promise<T>,
  ms: number,
  clock: Clock,
  onTimeout: () => Error,
): Promise<T> {
  if (ms === Number.POSITIVE_INFINITY) return promise;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const cancel = clock.setTimeout(
      () => {
        if (settled) return;
        settled = true;
        reject(onTimeout());
      },
      Math.max(0, ms),
    );
    promise.then(
      (value) => {
        if (settled) return;
        settled = true;
        cancel();
        resolve(value);
      },
      (err: unknown) => {
        if (settled) return;
        settled = true;
        cancel();
        reject(err);
      },
    );
  });
}

export function adaptiveTimeoutInterceptor(deps: AdaptiveTimeoutDeps): Interceptor {
  const { timeouts, clock, events } = deps;

  return (next: Next): Next =>
    async <C extends Call>(call: C): Promise<CallOutput<C>> => {
      const key: TimeoutKey = {
        agent: call.request.agent,
        action: call.request.action,
        endpoint: call.endpoint,
      };
      const start = clock.now();
      const remaining = () =>
        call.deadline === undefined ? Number.POSITIVE_INFINITY : call.deadline - clock.now();
      const { controller, release } = childController(call.signal);
      const down = { ...call, signal: controller.signal };

      /** Computes a phase's budget now; `expire` fails the attempt when it runs out. */
      const plan = (phase: TimeoutPhase) => {
        const adaptive = timeouts.budget(phase, key);
        const left = remaining();
        const budgetMs = Math.min(adaptive, left);
        const byDeadline = left < adaptive;
        const expire = () => {
          const error = byDeadline
            ? new SynapseError(
                "DEADLINE_EXCEEDED",
                `${key.agent}.${key.action}: the call's deadline passed; allow more time or try again later.`,
              )
            : new SynapseError(
                "DEADLINE_EXCEEDED",
                `${key.agent}.${key.action} on ${key.endpoint ?? "the service"} did not answer within ${Math.round(budgetMs)} ms ` +
                  `(${phase === "unary" ? "adaptive timeout" : phase === "gap" ? "gap between chunks" : "time to first chunk"}); try again.`,
              );
          controller.abort(error);
          events.emit("timeout", {
            agent: key.agent,
            action: key.action,
            stream: call.stream,
            endpoint: key.endpoint,
            phase,
            budgetMs,
            at: clock.now(),
          });
          if (!byDeadline) timeouts.record(phase, key, budgetMs);
          return error;
        };
        return { budgetMs, expire };
      };

      if (!call.stream) {
        const { budgetMs, expire } = plan("unary");
        try {
          if (budgetMs <= 0) throw expire();
          const output = await withBudget(next(down), budgetMs, clock, expire);
          timeouts.record("unary", key, clock.now() - start);
          return output;
        } finally {
          release();
        }
      }

      // The first-chunk budget covers opening the stream and waiting for its first event.
      const first = plan("first_chunk");
      const firstDue = start + first.budgetMs;
      let output: CallOutput<C & { stream: true }>;
      try {
        if (first.budgetMs <= 0) throw first.expire();
        output = (await withBudget(next(down), first.budgetMs, clock, first.expire)) as typeof output;
      } catch (err) {
        release();
        throw err;
      }
      const it = output.events[Symbol.asyncIterator]();
      let gotFirst = false;
      let last = start;
      const timed: AsyncIterator<StreamEvent> = {
        async next() {
          const phase = gotFirst ? plan("gap") : { budgetMs: firstDue - clock.now(), expire: first.expire };
          const expire = () => {
            closeQuietly(it);
            return phase.expire();
          };
          let r: IteratorResult<StreamEvent>;
          try {
            if (phase.budgetMs <= 0) throw expire();
            r = await withBudget(it.next(), phase.budgetMs, clock, expire);
          } catch (err) {
            release();
            throw err;
          }
          if (r.done) release();
          else {
            const now = clock.now();
            timeouts.record(gotFirst ? "gap" : "first_chunk", key, now - last);
            gotFirst = true;
            last = now;
          }
          return r;
        },
        async return(value?: unknown) {
          release();
          await it.return?.(value);
          return { done: true, value: undefined };
        },
      };
      return { ...output, events: { [Symbol.asyncIterator]: () => timed } } as CallOutput<C>;
    };
}
