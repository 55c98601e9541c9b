/** Turns the resilience layer's events into the gateway's metrics and log lines. */
import {
  type AgentResponse,
  type Call,
  type CallOutput,
  type Interceptor,
  type Logger,
  type StreamEvent,
  SynapseError,
  settleCall,
} from "@synapse/core";
import { type ResilienceEvents, watchStream } from "@synapse/resilience";
import type { GatewayMetrics } from "../metrics.js";
import { agentOf } from "./replica-addresses.js";

export function wireMetrics(
  events: ResilienceEvents,
  metrics: GatewayMetrics,
  logger: Logger,
  strategyOf: (agent: string) => string,
): void {
  events.on("attempt", (e) => {
    if (e.endpoint !== undefined) {
      metrics.picks.inc([e.agent, e.endpoint, strategyOf(e.agent)]);
    }
  });
  events.on("retry", (e) => {
    metrics.retries.inc({ agent: e.agent, code: e.code });
  });
  events.on("giveup", (e) => {
    logger.warn(
      { agent: e.agent, action: e.action, attempts: e.attempts, code: e.code, reason: e.reason },
      "gave up",
    );
  });
  events.on("breaker", (e) => {
    const value = e.to === "CLOSED" ? 0 : e.to === "HALF_OPEN" ? 1 : 2;
    metrics.breakerState.set({ agent: agentOf(e.endpoint), replica: e.endpoint }, value);
    metrics.breakerTransitions.inc({
      agent: agentOf(e.endpoint),
      replica: e.endpoint,
      state: e.to.toLowerCase(),
    });
    logger.warn({ replica: e.endpoint, from: e.from, to: e.to }, "circuit breaker changed state");
  });
  events.on("fallback", (e) => {
    metrics.fallbacks.inc({ agent: e.agent, action: e.action, kind: e.kind });
    logger.warn({ agent: e.agent, action: e.action, kind: e.kind, code: e.code }, "answered by fallback");
  });
  events.on("continuation", (e) => {
    metrics.streamResumes.inc({ by: "upstream" });
    logger.warn(
      { streamId: e.streamId, afterSeq: e.afterSeq, replica: e.endpoint, code: e.code },
      "stream continued",
    );
  });
  events.on("timeout", (e) => {
    logger.info(
      { agent: e.agent, replica: e.endpoint, phase: e.phase, budgetMs: e.budgetMs },
      "attempt timed out",
    );
  });
}

/**
 * Counts every attempt to a replica by outcome, times it, and counts the tokens of answers.
 * Sits right above the transport, so it sees each attempt exactly as the replica answered it.
 */
export function attemptMetrics(metrics: GatewayMetrics): Interceptor {
  const countTokens = (response: AgentResponse) => {
    metrics.tokens.inc([response.agent, response.provider, "input"], response.usage.inputTokens);
    metrics.tokens.inc([response.agent, response.provider, "output"], response.usage.outputTokens);
  };
  return (next) =>
    <C extends Call>(call: C): Promise<CallOutput<C>> => {
      const agent = call.request.agent;
      const replica = call.endpoint ?? "";
      const started = performance.now();
      const done = (outcome: string) => {
        metrics.upstreamAttempts.inc([agent, replica, outcome]);
        metrics.upstreamDuration.observe([agent, replica], (performance.now() - started) / 1000);
      };
      const failed = (err: unknown): never => {
        done(SynapseError.from(err).code);
        throw err;
      };
      return settleCall(
        next,
        call,
        (output) => {
          if (!output.stream) {
            done("OK");
            countTokens(output.response);
            return output;
          }
          const events = observeStream(output.events, done, countTokens);
          return { ...output, events } as CallOutput<C>;
        },
        failed,
      );
    };
}

/** Passes a stream through, counting its tokens at the final event and its attempt when it ends. */
function observeStream(
  events: AsyncIterable<StreamEvent>,
  done: (outcome: string) => void,
  countTokens: (response: AgentResponse) => void,
): AsyncIterable<StreamEvent> {
  // A hand-written pass-through (watchStream), not a generator: it costs each chunk less.
  let outcome = "CANCELLED";
  return watchStream(events, {
    onEvent: (event) => {
      if (event.type === "final") {
        outcome = "OK";
        countTokens(event.response);
      }
    },
    onEnd: (end) => done(end.kind === "error" ? SynapseError.from(end.error).code : outcome),
  });
}
