/**
 * What a JSON-RPC method is to the server: a function of the params and a per-call context. The
 * agent methods are registrations like any other (see agent-methods.ts).
 */
import type { SynapseError } from "@synapse/core";
import type { JsonRpcId, JsonRpcParams } from "./protocol.js";

export interface JsonRpcMethodContext {
  /** The request id; undefined when the call is a notification (nothing will be answered). */
  readonly id: JsonRpcId | undefined;
  /**
   * Aborted when the client cancels (`$/cancel`), the deadline passes, the connection closes or
   * the server shuts down; `signal.reason` is the SynapseError the client is answered with.
   */
  readonly signal: AbortSignal;
  /** `signal.aborted`, answered without making the signal (Node makes it on first use; 2–6 µs). */
  readonly aborted: boolean;
  /**
   * Starts the call's deadline: after `timeoutMs` milliseconds the signal aborts with
   * DEADLINE_EXCEEDED. Returns the absolute deadline in epoch milliseconds.
   */
  setTimeout(timeoutMs: number): number;
  /**
   * Ends the call now with `reason`: the signal aborts and the client is answered with it at
   * once (what the method returns later is ignored). A no-op once the call is answered.
   */
  abort(reason: SynapseError): void;
  /**
   * Sends a notification to this call's client. Returns undefined when it was written, or a
   * promise when the socket's buffer is full: await it before sending more (backpressure).
   * The promise also settles when the connection closes, so check `signal` after it.
   * Notifications of one event-loop turn leave together at its end; `flush: true` sends this one
   * (and what waits with it) at once — for what the client is waiting on, like a stream's first
   * chunk. Defaults to false.
   */
  notify(method: string, params: unknown, options?: { flush?: boolean }): Promise<void> | undefined;
}

/**
 * A method: returns (or resolves to) the result, or throws a SynapseError, which is answered
 * with its JSON-RPC code. Anything else thrown is answered as INTERNAL without its message.
 */
export type JsonRpcMethod = (params: JsonRpcParams, ctx: JsonRpcMethodContext) => unknown;
