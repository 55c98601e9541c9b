/**
 * The adaptive-timeout layer, innermost before the transport, so each attempt gets its own
 * budget. When a budget runs out the attempt fails with DEADLINE_EXCEEDED and the transport
 * cancels the request: a unary attempt passes its budget down as its deadline, which the
 * transport enforces; a stream's budgets change as it goes (first chunk, then each gap), so a
 * stream attempt gets a signal of its own that this layer aborts. A timed-out attempt is recorded as a
 * latency equal to its budget, so after a step up in latency the budget grows (×1.5 per round)
 * instead of timing out forever; attempts cut short by the caller's own deadline are not recorded,
 * since they say nothing about the endpoint.
 */
import {
  type Call,
  type CallOutput,
  type Clock,
  type Interceptor,
  isSynapseError,
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
      if (!call.stream) return unaryAttempt(next, call, key, start, deps);
      const remaining = () =>
        call.deadline === undefined ? Number.POSITIVE_INFINITY : call.deadline - clock.now();
      const { controller, release } = childController(call.signal);
      const down = { ...call, signal: controller.signal };
      // Taken once: every chunk asks for a gap budget and records a gap.
      const trackers = {
        first_chunk: timeouts.tracker("first_chunk", key),
        gap: timeouts.tracker("gap", key),
      };

      /** Computes a phase's budget now; `expire` fails the attempt when it runs out. */
      const plan = (phase: "first_chunk" | "gap") => {
        const adaptive = timeouts.budgetOf(phase, trackers[phase]);
        const left = remaining();
        const budgetMs = Math.min(adaptive, left);
        const byDeadline = left < adaptive;
        const expire = () => {
          const error = timeoutError(key, phase, budgetMs, byDeadline);
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
          if (!byDeadline) trackers[phase].record(budgetMs);
          return error;
        };
        return { budgetMs, expire };
      };

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
            (gotFirst ? trackers.gap : trackers.first_chunk).record(now - last);
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

/**
 * One unary attempt. Its budget travels down as a tighter deadline, which the transport enforces
 * (it cancels the request on the service, as for the caller's own deadline); the timer here fails
 * the attempt at that moment too, for a transport that does not. No AbortController is linked per
 * attempt: with its listener that cost ~3 KB of garbage and ~2 µs on every call.
 */
async function unaryAttempt<C extends Call>(
  next: Next,
  call: C,
  key: TimeoutKey,
  start: number,
  deps: AdaptiveTimeoutDeps,
): Promise<CallOutput<C>> {
  const { timeouts, clock, events } = deps;
  const adaptive = timeouts.budget("unary", key);
  const left = call.deadline === undefined ? Number.POSITIVE_INFINITY : call.deadline - start;
  const budgetMs = Math.min(adaptive, left);
  const byDeadline = left < adaptive;
  let expired: SynapseError | undefined;
  const expire = (): SynapseError => {
    if (expired !== undefined) return expired;
    expired = timeoutError(key, "unary", budgetMs, byDeadline);
    events.emit("timeout", {
      agent: key.agent,
      action: key.action,
      stream: false,
      endpoint: key.endpoint,
      phase: "unary",
      budgetMs,
      at: clock.now(),
    });
    if (!byDeadline) timeouts.record("unary", key, budgetMs);
    return expired;
  };
  if (budgetMs <= 0) throw expire();
  const due = start + budgetMs;
  const down = byDeadline ? call : { ...call, deadline: due };
  try {
    const output = await withBudget(next(down), budgetMs, clock, expire);
    timeouts.record("unary", key, clock.now() - start);
    return output;
  } catch (err) {
    // The transport's deadline timer went off first: that is this budget running out.
    if (expired === undefined && isSynapseError(err, "DEADLINE_EXCEEDED") && clock.now() >= due - 1) {
      throw expire();
    }
    throw err;
  }
}

function timeoutError(key: TimeoutKey, phase: TimeoutPhase, budgetMs: number, byDeadline: boolean) {
  if (byDeadline) {
    return new SynapseError(
      "DEADLINE_EXCEEDED",
      `${key.agent}.${key.action}: the call's deadline passed; allow more time or try again later.`,
    );
  }
  const what =
    phase === "unary" ? "adaptive timeout" : phase === "gap" ? "gap between chunks" : "time to first chunk";
  return new SynapseError(
    "DEADLINE_EXCEEDED",
    `${key.agent}.${key.action} on ${key.endpoint ?? "the service"} did not answer within ${Math.round(budgetMs)} ms (${what}); try again.`,
  );
}
