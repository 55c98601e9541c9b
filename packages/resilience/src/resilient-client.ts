/**
 * A client for the agent services with every resilience layer in front of the transports:
 * `invoke` for a whole answer, `stream` for chunks, `resume` to pick a stream up after a seq.
 * Endpoints are listed per agent; each attempt's endpoint comes from `pickEndpoint` (round robin
 * by default) and is reached through `transportFor(endpoint)` (e.g. the JSON-RPC or gRPC client's
 * Next), created once per endpoint. `events` reports attempts, retries, breaker changes,
 * fallbacks, timeouts, continuations and resumes.
 */
import { setMaxListeners } from "node:events";
import {
  type ActionName,
  type AgentName,
  type AgentResponse,
  assertAgentAction,
  type Call,
  type CallOutput,
  type Clock,
  type Next,
  parseInput,
  type StreamEvent,
  SynapseError,
  systemClock,
} from "@synapse/core";
import { roundRobinPicker } from "./endpoint-picker.js";
import type { ResilienceEvents } from "./events.js";
import {
  buildResilienceChain,
  type ResilienceChain,
  type ResilienceChainOptions,
} from "./resilience-chain.js";
import type { PickEndpoint } from "./retry-interceptor.js";

export interface ResilientClientOptions extends Omit<ResilienceChainOptions, "pickEndpoint"> {
  /** The replicas of each agent, e.g. `{ claude: ["127.0.0.1:5001", "127.0.0.1:5011"] }`. */
  endpoints: Partial<Record<AgentName, readonly string[]>>;
  /** The transport to one endpoint; called once per endpoint and kept. */
  transportFor: (endpoint: string) => Next;
  /** The balancer's hook. Defaults to round robin over `endpoints`, skipping failed ones. */
  pickEndpoint?: PickEndpoint;
}

export interface CallOptions {
  /** Cancels the call (and, for a stream, stops it upstream). */
  signal?: AbortSignal;
  /** Deadline relative to now, in milliseconds, covering every attempt. No deadline by default. */
  timeoutMs?: number;
  /** Absolute deadline in epoch milliseconds; wins over `timeoutMs`. */
  deadline?: number;
  /** Propagated to the service (request id, trace context). */
  metadata?: Record<string, string>;
  requestId?: string;
  /** Use this id for a new stream instead of a generated one. */
  streamId?: string;
}

const NEVER = new AbortController().signal;
// Every call without a signal of its own shares NEVER, and each attempt listens on it while it runs.
setMaxListeners(0, NEVER);

export class ResilientClient {
  readonly chain: ResilienceChain;
  readonly events: ResilienceEvents;
  readonly #next: Next;
  readonly #endpoints: Partial<Record<AgentName, readonly string[]>>;
  readonly #transports = new Map<string, Next>();
  readonly #transportFor: (endpoint: string) => Next;
  readonly #clock: Clock;

  constructor(options: ResilientClientOptions) {
    this.#endpoints = options.endpoints;
    this.#transportFor = options.transportFor;
    this.#clock = options.clock ?? systemClock;
    this.chain = buildResilienceChain({
      ...options,
      pickEndpoint: options.pickEndpoint ?? roundRobinPicker(options.endpoints),
    });
    this.events = this.chain.events;
    this.#next = this.chain.apply(this.#route);
  }

  /** Runs one action and returns its response (marked `fallback` when a fallback answered). */
  async invoke(
    agent: string,
    action: string,
    input: unknown,
    opts: CallOptions = {},
  ): Promise<AgentResponse> {
    const output = await this.#next({ stream: false, ...this.#base(agent, action, input, opts) });
    return output.response;
  }

  /** Runs one action as a stream of chunks and a final event. */
  async *stream(
    agent: string,
    action: string,
    input: unknown,
    opts: CallOptions = {},
  ): AsyncGenerator<StreamEvent> {
    yield* await this.openStream(agent, action, input, opts);
  }

  /**
   * `stream` for a caller that wants the stream under way before it iterates: resolves once the
   * call is open (with a checkpoint store: its log created and its recording started), with the
   * chain's own events — no generator in between, which costs each chunk a promise.
   */
  async openStream(
    agent: string,
    action: string,
    input: unknown,
    opts: CallOptions = {},
  ): Promise<AsyncIterable<StreamEvent>> {
    const output = await this.#next({ stream: true, ...this.#base(agent, action, input, opts) });
    return output.events;
  }

  /**
   * The chunks of a recorded stream after `afterSeq`, then its live tail. Needs a checkpoint
   * store; NOT_FOUND when the stream is unknown or expired.
   */
  async *resume(
    streamId: string,
    afterSeq: number,
    opts: Pick<CallOptions, "signal"> = {},
  ): AsyncGenerator<StreamEvent> {
    const checkpointer = this.chain.checkpointer;
    if (checkpointer === undefined) {
      throw new SynapseError(
        "FAILED_PRECONDITION",
        "Resuming a stream needs a checkpoint store; create the client with `checkpointStore`.",
      );
    }
    yield* await checkpointer.resume(streamId, afterSeq, opts.signal);
  }

  /** Waits for streams still being recorded to end (they run on after their consumer leaves). */
  async close(): Promise<void> {
    await this.chain.checkpointer?.idle();
  }

  #base(agent: string, action: string, input: unknown, opts: CallOptions) {
    const names = assertAgentAction(agent, action);
    const request = {
      agent: names.agent,
      action: names.action as ActionName,
      input: parseInput(names.action, input) as Record<string, unknown>,
      ...(opts.requestId === undefined ? {} : { requestId: opts.requestId }),
      ...(opts.streamId === undefined ? {} : { streamId: opts.streamId }),
    };
    const deadline =
      opts.deadline ?? (opts.timeoutMs === undefined ? undefined : this.#clock.now() + opts.timeoutMs);
    return { request, signal: opts.signal ?? NEVER, deadline, metadata: opts.metadata ?? {} };
  }

  /** The innermost Next: hands each attempt to its endpoint's transport (no async frame of its own). */
  readonly #route: Next = <C extends Call>(call: C): Promise<CallOutput<C>> => {
    const endpoint = call.endpoint ?? this.#endpoints[call.request.agent]?.[0];
    if (endpoint === undefined) {
      // A configuration mistake, not an outage: FAILED_PRECONDITION is neither retried nor answered by a fallback.
      return Promise.reject(
        new SynapseError(
          "FAILED_PRECONDITION",
          `No endpoint is configured for agent "${call.request.agent}"; list its replicas in the client's endpoints.`,
        ),
      );
    }
    let transport = this.#transports.get(endpoint);
    if (transport === undefined) {
      transport = this.#transportFor(endpoint);
      this.#transports.set(endpoint, transport);
    }
    return transport(call);
  };
}
