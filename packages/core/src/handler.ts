/**
 * The service core's face: what one agent service does, whatever transport carries it. The
 * JSON-RPC/TCP and gRPC adapters both serve an AgentHandler, so the two transports cannot drift.
 */
import type { AgentRequest, AgentResponse, ServiceDescription, StreamEvent } from "./contract.js";
import type { SynapseError } from "./errors.js";

export interface CallContext {
  /** Aborted when the caller cancels, the deadline passes, or the connection drops. */
  signal: AbortSignal;
  /** Absolute deadline in epoch milliseconds; undefined for none. */
  deadline: number | undefined;
  /** Propagated metadata: request id, trace context. */
  metadata: Record<string, string>;
  /**
   * Aborts `signal` with `reason` (the error the caller is answered with). Given by whoever owns
   * `signal` and aborts it at `deadline` — both transports do — so the service aborts the call
   * (shutdown, a consumer gone) through it instead of joining a controller and a deadline timer
   * of its own to `signal`: one of each per call. Undefined: the service joins its own.
   */
  abort?: (reason: SynapseError) => void;
  /**
   * `signal.aborted`, answered without making `signal`. Given by the transports, whose contexts
   * make their signal on first use: an AbortSignal costs 2–6 µs to create on Node 20, and a call
   * whose work never waits (the sim's) never needs one. Undefined: read `signal.aborted`.
   */
  aborted?: () => boolean;
}

export type HealthStatus = "SERVING" | "NOT_SERVING";

export interface AgentHandler {
  describe(): ServiceDescription;
  /** Runs one action to completion. Throws SynapseError. */
  invoke(request: AgentRequest, ctx: CallContext): Promise<AgentResponse>;
  /**
   * Runs one action as a stream: chunks with seq 1, 2, …, then exactly one final event.
   * Throws SynapseError (before or between events).
   */
  stream(request: AgentRequest, ctx: CallContext): AsyncIterable<StreamEvent>;
  /** The chunks of a stream this service holds after `afterSeq`, then its live tail and final event. NOT_FOUND when unknown or expired. */
  resume(streamId: string, afterSeq: number, ctx: CallContext): AsyncIterable<StreamEvent>;
  health(): HealthStatus;
}
