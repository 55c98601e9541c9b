/**
 * The service core for one agent: validates each request (the only place inputs are validated),
 * runs the provider, and answers unary calls and streams. Streams are numbered from 1 (or from a
 * continuation's afterSeq + 1) and kept in the stream registry, so `resume` can replay them.
 * Both transports serve this one object, so they cannot drift.
 */
import {
  ACTION_DESCRIPTIONS,
  ACTIONS_BY_AGENT,
  type AgentHandler,
  type AgentName,
  type AgentRequest,
  type AgentResponse,
  type CallContext,
  type Clock,
  type HealthStatus,
  hashText,
  type Logger,
  newStreamId,
  type ServiceDescription,
  type StreamEvent,
  SynapseError,
  systemClock,
} from "@synapse/core";
import { complete, type Provider } from "@synapse/providers";
import { type CallKind, type CallRecord, CallScope, type ScopeHost } from "./call-scope.js";
import { InFlight } from "./in-flight.js";
import { forFollowers } from "./stream-log.js";
import { StreamRegistry } from "./stream-registry.js";
import { validateRequest, validateSeq, validateStreamId } from "./validate-request.js";

/** The version services report in `describe`. */
export const SERVICE_VERSION = "0.1.0";

/** After the drain timeout cancels the calls left, how long they get to wind up, in milliseconds. */
export const CANCEL_GRACE_MS = 1000;

export interface AgentServiceOptions {
  agent: AgentName;
  provider: Provider;
  /** This process's replica index. Defaults to 0. */
  replica?: number;
  /** Defaults to no logs. */
  logger?: Logger;
  /** Defaults to the system clock. */
  clock?: Clock;
  /** How long a finished stream stays resumable, in ms. Defaults to 5 minutes (`service.streamRetainMs`). */
  streamRetainMs?: number;
  /** Most streams held for resume (least recently used dropped first). Defaults to 1000. */
  maxStreams?: number;
  /** The isolation `describe` reports: "none" for sim (it runs nothing). */
  isolation?: string;
  /** Defaults to `newStreamId` ("s_" + 24 hex). */
  newStreamId?: () => string;
  /** Called once when each call ends (metrics). */
  onCallEnd?: (record: CallRecord) => void;
}

const SHUTTING_DOWN = () =>
  new SynapseError("UNAVAILABLE", "The service is shutting down; retry the call on another replica.");

export class AgentService implements AgentHandler {
  readonly agent: AgentName;
  readonly provider: Provider;
  readonly replica: number;
  readonly #registry: StreamRegistry;
  readonly #host: ScopeHost;
  readonly #newStreamId: () => string;
  readonly #isolation: string;
  #draining = false;

  constructor(options: AgentServiceOptions) {
    this.agent = options.agent;
    this.provider = options.provider;
    this.replica = options.replica ?? 0;
    const clock = options.clock ?? systemClock;
    this.#registry = new StreamRegistry({
      retainMs: options.streamRetainMs ?? 300_000,
      maxStreams: options.maxStreams ?? 1000,
      clock,
    });
    this.#host = { clock, inFlight: new InFlight(), logger: options.logger, onCallEnd: options.onCallEnd };
    this.#newStreamId = options.newStreamId ?? newStreamId;
    this.#isolation = options.isolation ?? "none";
  }

  describe(): ServiceDescription {
    return {
      agent: this.agent,
      actions: ACTIONS_BY_AGENT[this.agent].map((name) => ({ name, description: ACTION_DESCRIPTIONS[name] })),
      provider: this.provider.name,
      model: this.provider.model,
      isolation: this.#isolation,
      replica: this.replica,
      version: SERVICE_VERSION,
    };
  }

  health(): HealthStatus {
    return this.#draining ? "NOT_SERVING" : "SERVING";
  }

  /** Calls running now. */
  get inFlight(): number {
    return this.#host.inFlight.size;
  }

  /** Streams held for resume. */
  get streamsHeld(): number {
    return this.#registry.size;
  }

  async invoke(request: AgentRequest, ctx: CallContext): Promise<AgentResponse> {
    const scope = this.#open("invoke", ctx, request);
    try {
      scope.check();
      const valid = validateRequest(this.agent, request);
      scope.action = valid.action;
      const started = this.#host.clock.now();
      // A continuation only means something to a stream; a unary answer is always whole.
      const done = await complete(this.provider, scope.providerCall(valid));
      return this.#response(valid.action, done, started);
    } catch (err) {
      throw scope.fail(err);
    } finally {
      scope.close();
    }
  }

  async *stream(request: AgentRequest, ctx: CallContext): AsyncGenerator<StreamEvent> {
    const scope = this.#open("stream", ctx, request);
    let log: ReturnType<StreamRegistry["open"]> | undefined;
    let retained = false;
    try {
      scope.check();
      const valid = validateRequest(this.agent, request);
      scope.action = valid.action;
      const streamId = valid.streamId ?? this.#newStreamId();
      scope.streamId = streamId;
      const { continuation } = valid;
      log = this.#registry.open(streamId, valid.action, continuation?.afterSeq ?? 0);
      let seq = log.baseSeq;
      let text = continuation?.text ?? "";
      const started = this.#host.clock.now();
      for await (const event of this.provider.stream({ ...valid, signal: scope.signal })) {
        if (event.type === "text") {
          text += event.text;
          const chunk = { type: "chunk", streamId, seq: ++seq, text: event.text } as const;
          // Held before it is sent, so a resume never misses a chunk its caller might have seen.
          log.append(chunk);
          yield chunk;
          continue;
        }
        const response = this.#response(valid.action, { ...event, text }, started);
        const final = { type: "final", streamId, lastSeq: seq, hash: hashText(text), response } as const;
        log.finish(final);
        this.#registry.retain(log);
        retained = true;
        // The call is over once the final event exists, whether or not the consumer asks for more.
        scope.close();
        yield final;
        return;
      }
      throw new SynapseError("INTERNAL", `Provider "${this.provider.name}" ended a stream without a result.`);
    } catch (err) {
      const error = scope.fail(err);
      log?.fail(forFollowers(error, log.streamId, log.lastSeq));
      throw error;
    } finally {
      if (log && !log.finished) {
        // The consumer stopped reading: stop the provider too, and tell any follower why.
        scope.abort(new SynapseError("CANCELLED", "The stream's consumer went away."));
        log.fail(forFollowers(scope.fail(undefined), log.streamId, log.lastSeq));
      }
      if (log && !retained) this.#registry.retain(log);
      scope.close();
    }
  }

  async *resume(streamId: string, afterSeq: number, ctx: CallContext): AsyncGenerator<StreamEvent> {
    const scope = this.#open("resume", ctx, undefined);
    try {
      scope.check();
      const id = validateStreamId(streamId);
      scope.streamId = id;
      const after = validateSeq(afterSeq, "afterSeq");
      const log = this.#registry.get(id);
      if (!log) {
        throw new SynapseError(
          "NOT_FOUND",
          `Stream ${id} is unknown here or has expired; resume it where it ran, or continue it from a checkpoint.`,
        );
      }
      scope.action = log.action;
      for await (const event of log.follow(after, scope.signal)) {
        if (event.type === "final") scope.close();
        yield event;
      }
    } catch (err) {
      throw scope.fail(err);
    } finally {
      scope.close();
    }
  }

  /** Stops taking calls: health turns NOT_SERVING and new calls fail UNAVAILABLE. */
  beginDrain(): void {
    this.#draining = true;
  }

  /**
   * Stops taking calls and waits up to `timeoutMs` for the calls in flight; then cancels the rest
   * (UNAVAILABLE, "shutting down") and gives them CANCEL_GRACE_MS to end. Resolves with how many
   * were cancelled.
   */
  async drain(timeoutMs: number): Promise<{ cancelled: number }> {
    this.beginDrain();
    const { inFlight, clock } = this.#host;
    return { cancelled: await inFlight.drain(timeoutMs, CANCEL_GRACE_MS, clock, SHUTTING_DOWN()) };
  }

  #open(kind: CallKind, ctx: CallContext, request: unknown): CallScope {
    const requestId = (request as { requestId?: unknown } | undefined)?.requestId;
    const scope = new CallScope(kind, ctx, requestId, this.#host);
    if (this.#draining) scope.abort(SHUTTING_DOWN());
    return scope;
  }

  #response(
    action: AgentResponse["action"],
    done: { text: string; result: Record<string, unknown>; usage: AgentResponse["usage"] },
    started: number,
  ): AgentResponse {
    return {
      agent: this.agent,
      action,
      result: done.result,
      text: done.text,
      usage: done.usage,
      provider: this.provider.name,
      model: this.provider.model,
      latencyMs: this.#host.clock.now() - started,
    };
  }
}
