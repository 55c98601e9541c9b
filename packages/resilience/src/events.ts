/**
 * What the resilience layer tells metrics and logs. One emitter per chain/client; every event
 * carries `at` (epoch milliseconds from the layer's clock). Listeners run synchronously, so they
 * must be cheap; a listener that throws is ignored rather than allowed to break a call.
 */
import { EventEmitter } from "node:events";
import type { ActionName, AgentName, Code, FallbackKind } from "@synapse/core";

export type CircuitStateName = "CLOSED" | "OPEN" | "HALF_OPEN";

/** A circuit breaker changed state. */
export interface BreakerStateChange {
  endpoint: string;
  from: CircuitStateName;
  to: CircuitStateName;
  at: number;
}

interface CallFacts {
  agent: AgentName;
  action: ActionName;
  stream: boolean;
  at: number;
}

/** An attempt is about to go to `endpoint` (1-based `attempt`). */
export interface AttemptEvent extends CallFacts {
  attempt: number;
  endpoint: string | undefined;
}

/** Attempt `attempt` failed with `code`; the next one starts after `delayMs`. */
export interface RetryEvent extends CallFacts {
  attempt: number;
  endpoint: string | undefined;
  code: Code;
  delayMs: number;
  /** True when the delay came from server pushback rather than the backoff schedule. */
  pushback: boolean;
}

export type GiveUpReason = "not_retryable" | "max_attempts" | "throttled" | "deadline" | "pushback";

/** The retry layer stopped and passed the last failure up. */
export interface GiveUpEvent extends CallFacts {
  attempts: number;
  code: Code;
  reason: GiveUpReason;
}

export type TimeoutPhase = "unary" | "first_chunk" | "gap";

/** An attempt exceeded its adaptive budget and was aborted. */
export interface TimeoutEvent extends CallFacts {
  endpoint: string | undefined;
  phase: TimeoutPhase;
  budgetMs: number;
}

/** A fallback answered instead of a provider. */
export interface FallbackEvent extends CallFacts {
  kind: FallbackKind;
  ageMs: number;
  /** The failure that was answered. */
  code: Code;
}

/** A consumer resumed a stream from the checkpoint store. */
export interface ResumeEvent {
  streamId: string;
  afterSeq: number;
  at: number;
}

/** A stream that failed mid-way is being continued on another endpoint. */
export interface ContinuationEvent extends CallFacts {
  streamId: string;
  afterSeq: number;
  /** The endpoint that failed. */
  endpoint: string | undefined;
  code: Code;
}

/** A call as its caller saw it (the outermost layer): outcome and duration. */
export interface CallEvent extends CallFacts {
  outcome: "ok" | "error" | "abandoned";
  /** The error's code when `outcome` is "error". */
  code?: Code;
  durationMs: number;
  fallback?: FallbackKind;
}

export interface ResilienceEventMap {
  attempt: [AttemptEvent];
  retry: [RetryEvent];
  giveup: [GiveUpEvent];
  breaker: [BreakerStateChange];
  timeout: [TimeoutEvent];
  fallback: [FallbackEvent];
  resume: [ResumeEvent];
  continuation: [ContinuationEvent];
  call: [CallEvent];
}

export class ResilienceEvents extends EventEmitter<ResilienceEventMap> {
  /** Emits like EventEmitter, but a listener that throws cannot break the call that emitted. */
  override emit<K extends keyof ResilienceEventMap>(event: K, ...args: ResilienceEventMap[K]): boolean {
    try {
      return (super.emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
    } catch {
      return true;
    }
  }
}
