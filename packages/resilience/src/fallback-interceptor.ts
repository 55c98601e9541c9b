/**
 * The fallback layer, outside retry so it answers only after every attempt failed (or at once
 * when every breaker is open, since those attempts fail fast). It answers with a cached response
 * for the same request when one is fresh, else the action's rule-based default — always marked
 * (`response.fallback`) and announced with a "fallback" event, never silently. Successful
 * responses are written to the cache. codex `execute` never falls back: running a command cannot
 * be replayed from a cache or made up. A stream that fails before its first chunk is answered as
 * one chunk plus a final event; one that already delivered chunks is not (the consumer has them).
 */
import {
  type AgentRequest,
  type AgentResponse,
  type Call,
  type CallOutput,
  type Clock,
  type Code,
  hashText,
  type Interceptor,
  type Next,
  newStreamId,
  type StreamEvent,
  SynapseError,
} from "@synapse/core";
import type { ResilienceEvents } from "./events.js";
import type { FallbackOptions } from "./options.js";
import type { CacheableRequest, ResponseCacheStore } from "./response-cache.js";
import { ruleFallback } from "./rule-fallback.js";
import { peek, watchStream } from "./stream-utils.js";

export interface FallbackDeps {
  options: FallbackOptions;
  /** The embedded LRU or a shared store (Redis); reads and writes may be asynchronous. */
  cache: ResponseCacheStore;
  clock: Clock;
  events: ResilienceEvents;
}

export function fallbackInterceptor(deps: FallbackDeps): Interceptor {
  const { options, cache, clock, events } = deps;
  const codes = new Set<Code>(options.codes);

  /** The fallback answer for a failed call, or undefined when none applies. */
  const answer = async (call: Call, err: unknown): Promise<AgentResponse | undefined> => {
    const request = call.request;
    const rule = options.actions[request.action];
    const code = SynapseError.from(err).code;
    if (
      request.action === "execute" ||
      !rule.enabled ||
      !codes.has(code) ||
      call.signal.aborted ||
      request.continuation !== undefined ||
      (call.stream && call.resume !== undefined)
    ) {
      return undefined;
    }
    let response: AgentResponse | undefined;
    const cached = rule.useCache ? await cachedAnswer(cache, request) : undefined;
    if (cached !== undefined) {
      response = { ...cached.response, fallback: { kind: "cache", ageMs: cached.ageMs } };
    } else if (rule.useRule) {
      response = ruleFallback(request);
    }
    if (response?.fallback !== undefined) {
      events.emit("fallback", {
        agent: request.agent,
        action: request.action,
        stream: call.stream,
        kind: response.fallback.kind,
        ageMs: response.fallback.ageMs,
        code,
        at: clock.now(),
      });
    }
    return response;
  };

  return (next: Next): Next =>
    async <C extends Call>(call: C): Promise<CallOutput<C>> => {
      if (!call.stream) {
        try {
          const output = await next(call);
          if (!output.stream) remember(cache, call.request, output.response);
          return output;
        } catch (err) {
          const response = await answer(call, err);
          if (response === undefined) throw err;
          return { stream: false, response } as CallOutput<C>;
        }
      }
      let events: AsyncIterable<StreamEvent>;
      let endpoint: string | undefined;
      try {
        const output = (await next(call)) as CallOutput<C & { stream: true }>;
        endpoint = output.endpoint;
        events = (await peek(output.events)).events;
      } catch (err) {
        const response = await answer(call, err);
        if (response === undefined) throw err;
        return { stream: true, events: asStream(call.request, response) } as unknown as CallOutput<C>;
      }
      const request = call.request;
      const cacheable = request.continuation === undefined && !(call.stream && call.resume !== undefined);
      const watched = watchStream(events, {
        onEvent: (e) => {
          if (cacheable && e.type === "final") remember(cache, request, e.response);
        },
        onEnd: () => {},
      });
      return { stream: true, events: watched, endpoint } as CallOutput<C>;
    };
}

/** The cached answer, or undefined when the cache has none or cannot be read (a store outage is no answer). */
async function cachedAnswer(cache: ResponseCacheStore, request: CacheableRequest) {
  try {
    return await cache.get(request);
  } catch {
    return undefined;
  }
}

/** Stores a good answer without making the caller wait for (or fail with) a networked cache. */
function remember(cache: ResponseCacheStore, request: CacheableRequest, response: AgentResponse): void {
  try {
    // The embedded LRU answers synchronously: no promise for it on every call.
    const stored = cache.set(request, response);
    if (stored !== undefined) stored.catch(() => {});
  } catch {
    // A cache that cannot store is only a missed fallback later, never this call's failure.
  }
}

/** A fallback response as a stream: one chunk with its whole text, then the final event. */
async function* asStream(request: AgentRequest, response: AgentResponse): AsyncGenerator<StreamEvent> {
  const streamId = request.streamId ?? newStreamId();
  yield { type: "chunk", streamId, seq: 1, text: response.text };
  yield { type: "final", streamId, lastSeq: 1, hash: hashText(response.text), response };
}
