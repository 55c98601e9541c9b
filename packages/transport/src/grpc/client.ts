/**
 * A client of one agent service over gRPC: one channel (one HTTP/2 connection, reconnected by
 * grpc-js) reused by every call, errors as SynapseErrors, cancellation by AbortSignal.
 */
import {
  type CallOptions,
  type Channel,
  type ChannelCredentials,
  type ChannelOptions,
  type ClientReadableStream,
  credentials,
  Metadata,
} from "@grpc/grpc-js";
import {
  type AgentRequest,
  type AgentResponse,
  type Clock,
  type HealthStatus,
  type ServiceDescription,
  type StreamEvent,
  SynapseError,
  systemClock,
} from "@synapse/core";
import type {
  AgentResult,
  AgentServiceClient,
  DescribeResponse,
  StreamEvent as PbStreamEvent,
} from "../generated/synapse/v1/agent.js";
import { cancelOnAbort } from "./abort-registry.js";
import { abortedError, clientClosed, clientError, deadlinePassed, streamCut } from "./client-errors.js";
import {
  createHealthClient,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus,
  type HealthClient,
} from "./health-client.js";
import { fromAgentResult, fromDescribeResponse, fromProtoEvent, toInvokeRequest } from "./messages.js";
import { clientOptions, DEFAULT_MAX_MESSAGE_BYTES } from "./options.js";
import { AgentServiceCallingClient } from "./reused-writer.js";

export interface GrpcClientOptions {
  /** Largest message sent or received, in bytes. Defaults to 8 MiB (the `grpc.maxMessageBytes` default). */
  maxMessageBytes?: number;
  /** Defaults to insecure (plain-text HTTP/2), as between our processes on one host or cluster. */
  credentials?: ChannelCredentials;
  /** Extra grpc-js channel options, applied over ours (see options.ts). */
  channelOptions?: ChannelOptions;
  /** Time against which deadlines are checked before a call is sent. Defaults to the system clock. */
  clock?: Clock;
}

/** Per-call options. A `Call` of the interceptor chain is one, so it is passed as it is. */
export interface GrpcCallOptions {
  /** Aborting cancels the call; it then fails with the signal's reason when that is a SynapseError, else CANCELLED. */
  signal?: AbortSignal | undefined;
  /** Absolute deadline in epoch milliseconds; undefined for none. */
  deadline?: number | undefined;
  /** Sent as gRPC metadata (keys lower-case; values of "-bin" keys are sent as UTF-8 bytes). */
  metadata?: Record<string, string> | undefined;
}

const NO_OPTIONS: GrpcCallOptions = {};
const NO_CALL_OPTIONS: Partial<CallOptions> = {};

/**
 * A client of one agent service ("host:port") over gRPC. Safe to share: calls multiplex over the
 * one connection. Every method rejects (or its iterator throws) with a SynapseError.
 */
export class GrpcAgentClient {
  private readonly raw: AgentServiceClient;
  private readonly healthRaw: HealthClient;
  private readonly clock: Clock;
  private closed = false;

  /** @param address "host:port" of the agent service's gRPC port. */
  constructor(
    readonly address: string,
    options: GrpcClientOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.raw = new AgentServiceCallingClient(address, options.credentials ?? credentials.createInsecure(), {
      ...clientOptions(options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES),
      ...options.channelOptions,
    });
    // One channel for both services: the health check probes the connection calls really use.
    this.healthRaw = createHealthClient(address, this.raw.getChannel() as Channel);
  }

  /** Runs one action to completion. Rejects with a SynapseError. */
  invoke(request: AgentRequest, opts: GrpcCallOptions = NO_OPTIONS): Promise<AgentResponse> {
    return this.unary<AgentResult | undefined>(opts, (metadata, callOptions, done) =>
      this.raw.invoke(toInvokeRequest(request), metadata, callOptions, (err, res) =>
        done(err, err ? undefined : res.result),
      ),
    ).then(fromAgentResult);
  }

  /** Runs one action as a stream of chunks and a final event. The call starts when iteration does. */
  stream(request: AgentRequest, opts: GrpcCallOptions = NO_OPTIONS): AsyncIterable<StreamEvent> {
    return this.events(opts, (metadata, callOptions) =>
      this.raw.stream(toInvokeRequest(request), metadata, callOptions),
    );
  }

  /** The events of stream `streamId` after `afterSeq`, then its live tail and final event. */
  resume(streamId: string, afterSeq: number, opts: GrpcCallOptions = NO_OPTIONS): AsyncIterable<StreamEvent> {
    return this.events(opts, (metadata, callOptions) =>
      this.raw.resume({ streamId, afterSeq }, metadata, callOptions),
    );
  }

  /** What the service says about itself. */
  describe(opts: GrpcCallOptions = NO_OPTIONS): Promise<ServiceDescription> {
    return this.unary<DescribeResponse>(opts, (metadata, callOptions, done) =>
      this.raw.describe({}, metadata, callOptions, done),
    ).then(fromDescribeResponse);
  }

  /**
   * grpc.health.v1 Check of `service` ("" — the default — for the whole server). Anything but
   * SERVING reads as NOT_SERVING; an unreachable server rejects (UNAVAILABLE).
   */
  health(service = "", opts: GrpcCallOptions = NO_OPTIONS): Promise<HealthStatus> {
    return this.unary<HealthCheckResponse | undefined>(opts, (metadata, callOptions, done) =>
      this.healthRaw.check({ service }, metadata, callOptions, done),
    ).then((res) => (res?.status === HealthCheckResponse_ServingStatus.SERVING ? "SERVING" : "NOT_SERVING"));
  }

  /**
   * Closes the channel once the calls in flight have ended (cancel those with their signals);
   * later calls fail with UNAVAILABLE at once. Idempotent.
   */
  close(): void {
    this.closed = true;
    this.raw.close();
  }

  private unary<T>(
    opts: GrpcCallOptions,
    start: (
      metadata: Metadata,
      callOptions: Partial<CallOptions>,
      done: (err: Error | null, value: T | undefined) => void,
    ) => { cancel(): void },
  ): Promise<T> {
    const { signal } = opts;
    if (this.closed) return Promise.reject(clientClosed());
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    if (opts.deadline !== undefined && opts.deadline <= this.clock.now()) {
      return Promise.reject(deadlinePassed());
    }
    let metadata: Metadata;
    try {
      metadata = toMetadata(opts.metadata);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let untrack: (() => void) | undefined;
      const call = start(metadata, callOptionsOf(opts), (err, value) => {
        settled = true;
        untrack?.();
        if (err) reject(clientError(err, signal));
        else resolve(value as T);
      });
      if (signal !== undefined && !settled) untrack = cancelOnAbort(signal, call);
    });
  }

  private async *events(
    opts: GrpcCallOptions,
    start: (metadata: Metadata, callOptions: Partial<CallOptions>) => ClientReadableStream<PbStreamEvent>,
  ): AsyncGenerator<StreamEvent> {
    const { signal } = opts;
    if (this.closed) throw clientClosed();
    if (signal?.aborted) throw abortedError(signal);
    if (opts.deadline !== undefined && opts.deadline <= this.clock.now()) throw deadlinePassed();
    const call = start(toMetadata(opts.metadata), callOptionsOf(opts));
    const untrack = signal === undefined ? undefined : cancelOnAbort(signal, call);
    let sawFinal = false;
    let ended = false;
    try {
      for await (const message of call as AsyncIterable<PbStreamEvent>) {
        const event = fromProtoEvent(message);
        if (event.type === "final") sawFinal = true;
        yield event;
      }
      ended = true;
    } catch (err) {
      ended = true;
      throw clientError(err, signal);
    } finally {
      untrack?.();
      if (!ended) {
        // The consumer stopped early: cancel the call. grpc-js then emits a CANCELLED "error"
        // nobody reads any more, which must not become an uncaught exception.
        call.on("error", ignore);
        call.cancel();
      }
    }
    if (!sawFinal) throw streamCut();
  }
}

function ignore(): void {}

function callOptionsOf(opts: GrpcCallOptions): Partial<CallOptions> {
  return opts.deadline === undefined ? NO_CALL_OPTIONS : { deadline: opts.deadline };
}

function toMetadata(values: Record<string, string> | undefined): Metadata {
  const metadata = new Metadata();
  if (values !== undefined) {
    for (const key in values) {
      const value = values[key]!;
      try {
        metadata.set(key, key.endsWith("-bin") ? Buffer.from(value, "utf8") : value);
      } catch (err) {
        throw new SynapseError(
          "INVALID_ARGUMENT",
          `Metadata "${key}" cannot be sent over gRPC (keys are lower-case letters, digits, "-", "_" and "."; values printable ASCII).`,
          { cause: err },
        );
      }
    }
  }
  return metadata;
}
