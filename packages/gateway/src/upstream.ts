/**
 * What the HTTP layer needs from the agents behind it. The real implementation
 * (upstream-resilient.ts) goes through pools, the balancer and the resilience chain; routes
 * depend only on this interface.
 */
import type { AgentName, AgentRequest, AgentResponse, StreamEvent } from "@synapse/core";

export interface UpstreamOptions {
  signal: AbortSignal;
  /** Absolute deadline in epoch milliseconds. */
  deadline: number;
  requestId: string;
}

export interface ReplicaHealth {
  endpoint: string;
  address: string;
  healthy: boolean;
  ejected: boolean;
  breaker: "closed" | "open" | "half_open";
  provider: string;
  model: string;
}

export interface AgentHealth {
  agent: AgentName;
  replicas: ReplicaHealth[];
}

/** A stream started for its reader. */
export interface OpenedStream {
  streamId: string;
  /** Its events from seq 1, then its live tail; fails CANCELLED once the read signal aborts. */
  events: AsyncIterable<StreamEvent>;
}

export interface Upstream {
  invoke(request: AgentRequest, options: UpstreamOptions): Promise<AgentResponse>;
  /**
   * Starts a stream that runs to its end into the checkpoint store whoever listens (a client
   * disconnecting does not cancel it). Resolves with the stream id once it is registered.
   * `signal`, when given, stops the stream itself upstream (a workflow run being cancelled).
   */
  startStream(
    request: AgentRequest,
    options: Omit<UpstreamOptions, "signal"> & { signal?: AbortSignal },
  ): Promise<string>;
  /**
   * `startStream` and `readStream(streamId, 0, readSignal)` in one, for a caller that reads the
   * stream it starts: the reader is the one the stream was started with, so a new stream costs
   * one subscription to its log and no read of it. Resolves once the first event is stored.
   */
  openStream(
    request: AgentRequest,
    options: Omit<UpstreamOptions, "signal"> & { signal?: AbortSignal },
    readSignal: AbortSignal,
  ): Promise<OpenedStream>;
  /** The events of a stream after `afterSeq`, then its live tail; NOT_FOUND when unknown or expired. */
  readStream(streamId: string, afterSeq: number, signal: AbortSignal): AsyncIterable<StreamEvent>;
  health(): AgentHealth[];
  close(): Promise<void>;
}
