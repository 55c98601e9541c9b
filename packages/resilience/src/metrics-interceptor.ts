/**
 * The outermost layer: reports each call as its caller saw it — outcome, code, duration, and
 * whether a fallback answered — as a "call" event. Outermost so retries, fallbacks and
 * continuations inside are all part of the one call it measures.
 */
import {
  type Call,
  type CallOutput,
  type Clock,
  type Interceptor,
  type Next,
  SynapseError,
} from "@synapse/core";
import type { CallEvent, ResilienceEvents } from "./events.js";
import { watchStream } from "./stream-utils.js";

export function metricsInterceptor(events: ResilienceEvents, clock: Clock): Interceptor {
  return (next: Next): Next =>
    <C extends Call>(call: C): Promise<CallOutput<C>> =>
      // Nobody listening (the gateway counts attempts below instead): the call passes straight
      // through, without the layer's async frame, closures and event. A listener added later
      // sees the calls that start after it.
      events.listenerCount("call") === 0 ? next(call) : measured(next, call, events, clock);
}

async function measured<C extends Call>(
  next: Next,
  call: C,
  events: ResilienceEvents,
  clock: Clock,
): Promise<CallOutput<C>> {
  const start = clock.now();
  const base = { agent: call.request.agent, action: call.request.action, stream: call.stream };
  const report = (rest: Pick<CallEvent, "outcome" | "code" | "fallback">) => {
    const at = clock.now();
    const event: CallEvent = { ...base, durationMs: at - start, at, outcome: rest.outcome };
    if (rest.code !== undefined) event.code = rest.code;
    if (rest.fallback !== undefined) event.fallback = rest.fallback;
    events.emit("call", event);
  };
  let output: CallOutput<C>;
  try {
    output = await next(call);
  } catch (err) {
    report({ outcome: "error", code: SynapseError.from(err).code });
    throw err;
  }
  if (!output.stream) {
    report({ outcome: "ok", fallback: output.response.fallback?.kind });
    return output;
  }
  let fallback: CallEvent["fallback"];
  const watched = watchStream(output.events, {
    onEvent: (e) => {
      if (e.type === "final") fallback = e.response.fallback?.kind;
    },
    onEnd: (end) => {
      if (end.kind === "done") report({ outcome: "ok", fallback });
      else if (end.kind === "error") report({ outcome: "error", code: SynapseError.from(end.error).code });
      else report({ outcome: "abandoned" });
    },
  });
  return { ...output, events: watched } as CallOutput<C>;
}
