/**
 * The spans of a call's path, as wrappers around the surfaces it crosses: the gateway's
 * upstream attempts (an interceptor), a service's calls (an AgentHandler) and its provider calls.
 * With tracing off each wrapper returns what it was given, so the hot path is unchanged.
 */
import type { AgentRequest, StreamEvent } from "./contract.js";
import { SynapseError } from "./errors.js";
import type { AgentHandler, CallContext } from "./handler.js";
import type { Call, CallOutput, Interceptor } from "./interceptor.js";
import type { SpanAttributes, TraceSpan, Tracing } from "./tracing.js";

/**
 * Iterates `events` with `span` active and ends the span with the outcome: the end of the
 * source (or the event `isLast` picks, e.g. a stream's final event) is success, a throw is that
 * error, and a consumer that stops before either is CANCELLED. A consumer that stops early also
 * stops the source (its `return`), as `for await` would.
 */
export async function* traceEvents<E>(
  span: TraceSpan,
  events: AsyncIterable<E>,
  isLast: (event: E) => boolean = () => false,
): AsyncGenerator<E> {
  const iterator = span.run(() => events[Symbol.asyncIterator]());
  let exhausted = false;
  try {
    for (;;) {
      let next: IteratorResult<E>;
      try {
        // Each step runs in the span's context, so whatever the source starts is its child.
        next = await span.run(() => iterator.next());
      } catch (err) {
        exhausted = true;
        throw err;
      }
      if (next.done) {
        exhausted = true;
        break;
      }
      if (isLast(next.value)) span.end();
      yield next.value;
    }
    span.end();
  } catch (err) {
    span.end(err);
    throw err;
  } finally {
    if (!exhausted) {
      span.end(new SynapseError("CANCELLED", "The consumer stopped reading."));
      await iterator.return?.();
    }
  }
}

async function tracedCall<T>(span: TraceSpan, fn: () => Promise<T>): Promise<T> {
  try {
    const result = await span.run(fn);
    span.end();
    return result;
  } catch (err) {
    span.end(err);
    throw err;
  }
}

const isFinal = (event: StreamEvent) => event.type === "final";

/** Attributes of a request as it arrived: not yet validated, so only well-typed fields count. */
function requestAttributes(request: AgentRequest): SpanAttributes {
  const r = request as Partial<Record<"action" | "requestId" | "streamId", unknown>>;
  return {
    ...(typeof r.action === "string" ? { "synapse.action": r.action.slice(0, 64) } : {}),
    ...(typeof r.requestId === "string" ? { "synapse.request_id": r.requestId.slice(0, 128) } : {}),
    ...(typeof r.streamId === "string" ? { "synapse.stream_id": r.streamId.slice(0, 128) } : {}),
  };
}

/**
 * A service's calls as SERVER spans ("invoke claude", "stream claude", "resume claude"), each
 * continuing the caller's trace from `ctx.metadata` (`traceparent`), with the handler running
 * inside it so provider spans are its children. Returns `handler` itself when tracing is off.
 */
export function traceHandler(tracing: Tracing, handler: AgentHandler): AgentHandler {
  if (!tracing.enabled) return handler;
  const { agent, replica } = handler.describe();
  const start = (method: string, ctx: CallContext, attributes: SpanAttributes) =>
    tracing.startSpan(`${method} ${agent}`, {
      kind: "server",
      carrier: ctx.metadata,
      attributes: { "rpc.method": method, "synapse.agent": agent, "synapse.replica": replica, ...attributes },
    });
  return {
    describe: () => handler.describe(),
    health: () => handler.health(),
    invoke: (request, ctx) =>
      tracedCall(start("invoke", ctx, requestAttributes(request)), () => handler.invoke(request, ctx)),
    stream(request, ctx) {
      const span = start("stream", ctx, requestAttributes(request));
      return traceEvents(span, handler.stream(request, ctx), isFinal);
    },
    resume(streamId, afterSeq, ctx) {
      const span = start("resume", ctx, { "synapse.stream_id": String(streamId).slice(0, 128) });
      return traceEvents(span, handler.resume(streamId, afterSeq, ctx), isFinal);
    },
  };
}

type UsageShape = { usage?: { inputTokens: number; outputTokens: number } };

/** What traceProvider needs of a provider (the shape of @synapse/providers' Provider). */
export interface TraceableProvider<C, E, R extends UsageShape = UsageShape> {
  readonly name: string;
  readonly model: string;
  stream(call: C): AsyncIterable<E>;
  complete?(call: C): Promise<R>;
}

type ProviderCallShape = { agent: string; action: string };
type ProviderEventShape = { type: string } & UsageShape;

/**
 * A provider's calls (`stream`, and `complete` when it has one) as CLIENT spans ("provider sim"),
 * children of the active span (the service call), with the GenAI attributes: provider, model and
 * token usage. Returns `provider` itself when tracing is off.
 */
export function traceProvider<
  C extends ProviderCallShape,
  E extends ProviderEventShape,
  R extends UsageShape,
>(tracing: Tracing, provider: TraceableProvider<C, E, R>): TraceableProvider<C, E, R> {
  if (!tracing.enabled) return provider;
  const start = (call: C) =>
    tracing.startSpan(`provider ${provider.name}`, {
      kind: "client",
      attributes: {
        "gen_ai.provider.name": provider.name,
        "gen_ai.request.model": provider.model,
        "synapse.agent": call.agent,
        "synapse.action": call.action,
      },
    });
  const recordUsage = (span: TraceSpan, usage: UsageShape["usage"]) => {
    if (usage === undefined) return;
    span.setAttributes({
      "gen_ai.usage.input_tokens": usage.inputTokens,
      "gen_ai.usage.output_tokens": usage.outputTokens,
    });
  };
  const traced: TraceableProvider<C, E, R> = {
    name: provider.name,
    model: provider.model,
    stream(call) {
      const span = start(call);
      const isDone = (event: E) => {
        if (event.type !== "done") return false;
        recordUsage(span, event.usage);
        return true;
      };
      return traceEvents(span, provider.stream(call), isDone);
    },
  };
  if (provider.complete !== undefined) {
    const complete = provider.complete.bind(provider);
    traced.complete = (call) => {
      const span = start(call);
      return tracedCall(span, async () => {
        const completion = await complete(call);
        recordUsage(span, completion.usage);
        return completion;
      });
    };
  }
  return traced;
}

/**
 * Each attempt to a replica as a CLIENT span ("attempt claude.plan", with the replica), child of
 * the active span (the gateway request), whose trace context travels in `call.metadata` — a copy
 * per attempt, so retries each carry their own. Place it next to the transport, where the replica
 * is known. The identity interceptor when tracing is off.
 */
export function traceAttempts(tracing: Tracing): Interceptor {
  if (!tracing.enabled) return (next) => next;
  return (next) =>
    async <C extends Call>(call: C): Promise<CallOutput<C>> => {
      const { agent, action } = call.request;
      const span = tracing.startSpan(`attempt ${agent}.${action}`, {
        kind: "client",
        attributes: {
          "synapse.agent": agent,
          "synapse.action": action,
          "synapse.replica": call.endpoint ?? "",
          "synapse.stream": call.stream,
          ...(call.stream && call.resume ? { "synapse.resume_after_seq": call.resume.afterSeq } : {}),
        },
      });
      const metadata = { ...call.metadata };
      span.inject(metadata);
      let output: CallOutput<C>;
      try {
        output = await span.run(() => next({ ...call, metadata }));
      } catch (err) {
        span.end(err);
        throw err;
      }
      if (!output.stream) {
        span.end();
        return output;
      }
      return { ...output, events: traceEvents(span, output.events, isFinal) } as CallOutput<C>;
    };
}
