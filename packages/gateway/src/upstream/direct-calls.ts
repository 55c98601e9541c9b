/**
 * Upstream calls with the resilience chain switched off (SYNAPSE_GATEWAY_RESILIENCE=off): the
 * balancer picks a replica and the call goes to its pooled transport directly — no retry,
 * breaker, adaptive timeout or fallback, so a replica's failure reaches the client. Streams still
 * pass the checkpoint layer, which SSE delivery and resume are built on. It exists to measure
 * what the chain costs (bench/), and for setups that retry elsewhere.
 */
import {
  type ActionName,
  type AgentResponse,
  assertAgentAction,
  chain,
  type Next,
  parseInput,
  type StreamEvent,
  SynapseError,
} from "@synapse/core";
import type { CallOptions, StreamCheckpointer } from "@synapse/resilience";
import { type AgentBalancer, trackCalls } from "../balancer/index.js";
import type { GatewayMetrics } from "../metrics.js";
import { attemptMetrics } from "./upstream-metrics.js";

export interface DirectCallsOptions {
  balancerOf: (agent: string) => AgentBalancer;
  /** The pooled transport to one replica. */
  transportTo: (endpoint: string) => Next;
  metrics: GatewayMetrics;
  /** Records streams for SSE delivery and resume; without it streams pass unrecorded. */
  checkpointer: StreamCheckpointer | undefined;
}

const NO_EXCLUSIONS: ReadonlySet<string> = new Set();
const NEVER = new AbortController().signal;

/** Same surface as ResilientClient's invoke, stream and openStream, so the upstream can use either. */
export class DirectCalls {
  readonly #next: Next;

  constructor(options: DirectCallsOptions) {
    const send = chain([trackCalls(options.balancerOf), attemptMetrics(options.metrics)], (call) =>
      options.transportTo(call.endpoint ?? "")(call),
    );
    const route: Next = (call) => {
      const endpoint = options.balancerOf(call.request.agent).pickEndpoint(call, NO_EXCLUSIONS);
      if (endpoint === undefined) {
        const agent = call.request.agent;
        return Promise.reject(
          new SynapseError(
            "UNAVAILABLE",
            `No replica of ${agent} is available; check the gateway's /health.`,
          ),
        );
      }
      return send({ ...call, endpoint });
    };
    this.#next =
      options.checkpointer === undefined ? route : chain([options.checkpointer.interceptor], route);
  }

  async invoke(
    agent: string,
    action: string,
    input: unknown,
    opts: CallOptions = {},
  ): Promise<AgentResponse> {
    const output = await this.#next({ stream: false, ...base(agent, action, input, opts) });
    return output.response;
  }

  async *stream(
    agent: string,
    action: string,
    input: unknown,
    opts: CallOptions = {},
  ): AsyncGenerator<StreamEvent> {
    yield* await this.openStream(agent, action, input, opts);
  }

  async openStream(
    agent: string,
    action: string,
    input: unknown,
    opts: CallOptions = {},
  ): Promise<AsyncIterable<StreamEvent>> {
    const output = await this.#next({ stream: true, ...base(agent, action, input, opts) });
    return output.events;
  }
}

/** The call as ResilientClient builds it: names checked and input validated once, at the edge. */
function base(agent: string, action: string, input: unknown, opts: CallOptions) {
  const names = assertAgentAction(agent, action);
  const request = {
    agent: names.agent,
    action: names.action as ActionName,
    input: parseInput(names.action, input) as Record<string, unknown>,
    ...(opts.requestId === undefined ? {} : { requestId: opts.requestId }),
    ...(opts.streamId === undefined ? {} : { streamId: opts.streamId }),
  };
  const deadline = opts.deadline ?? (opts.timeoutMs === undefined ? undefined : Date.now() + opts.timeoutMs);
  return { request, signal: opts.signal ?? NEVER, deadline, metadata: opts.metadata ?? {} };
}
