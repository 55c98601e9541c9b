/**
 * One call's bookkeeping: its request id, the signal its work runs under (the caller's signal,
 * its deadline and the service's shutdown: the transport's own signal when the context carries
 * `abort`, else a controller joined to it), its place among the calls in flight, and the record
 * and log line written when it ends.
 */
import type { ActionName, AgentName, CallContext, Clock, Code, Logger } from "@synapse/core";
import { newRequestId, SynapseError } from "@synapse/core";
import { abortError, isCallAborted, type ProviderCall } from "@synapse/providers";
import type { InFlight } from "./in-flight.js";
import type { ValidRequest } from "./validate-request.js";

export type CallKind = "invoke" | "stream" | "resume";

/** What the service reports about each call when it ends (metrics listen to these). */
export interface CallRecord {
  kind: CallKind;
  /** The action, or "unknown" when the request named none this service has. */
  action: ActionName | "unknown";
  /** "OK" or the error's code. */
  code: Code | "OK";
  durationMs: number;
  requestId: string;
}

export interface ScopeHost {
  clock: Clock;
  inFlight: InFlight;
  logger: Logger | undefined;
  onCallEnd: ((record: CallRecord) => void) | undefined;
}

const MAX_REQUEST_ID = 128;

export class CallScope {
  readonly requestId: string;
  /**
   * Where the call's signal comes from: the transport's context (whose signal is made on first
   * use and whose `aborted()` answers without making it), or a controller joined to the caller's.
   */
  readonly #source: { readonly signal: AbortSignal; aborted?: (() => boolean) | undefined };
  /** Aborts the signal: the transport's own abort, or a controller joined to the caller's signal. */
  readonly #abort: (reason: SynapseError) => void;
  readonly #started: number;
  readonly #detach: (() => void) | undefined;
  action: ActionName | "unknown" = "unknown";
  streamId: string | undefined;
  /** The first reason this scope aborted with (kept even when the transport had already ended the call). */
  #reason: SynapseError | undefined;
  #error: SynapseError | undefined;
  #closed = false;

  constructor(
    readonly kind: CallKind,
    ctx: CallContext,
    requestId: unknown,
    readonly host: ScopeHost,
  ) {
    const given = ctx.metadata["x-request-id"] ?? (typeof requestId === "string" ? requestId : undefined);
    this.requestId = given ? given.slice(0, MAX_REQUEST_ID) : newRequestId();
    this.#started = host.clock.now();
    host.inFlight.add(this);
    if (ctx.abort !== undefined) {
      // The transport owns the signal and its deadline: a second controller, listener and timer
      // per call would only repeat them. A signal alone costs 3–6 µs to create on Node 20; a sim
      // call through the service core in process went from 36 to 25 µs of CPU (load ~14).
      this.#source = ctx;
      this.#abort = ctx.abort;
      this.#detach = undefined;
      return;
    }
    const controller = new AbortController();
    this.#source = controller;
    this.#abort = (reason) => controller.abort(reason);
    const onAbort = () => controller.abort(ctx.signal.reason);
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener("abort", onAbort, { once: true });
    let cancelDeadline = () => {};
    if (ctx.deadline !== undefined) {
      const deadlineExceeded = () =>
        controller.abort(
          new SynapseError("DEADLINE_EXCEEDED", "The call's deadline passed before it finished."),
        );
      const left = ctx.deadline - host.clock.now();
      if (left <= 0) deadlineExceeded();
      else cancelDeadline = host.clock.setTimeout(deadlineExceeded, left);
    }
    this.#detach = () => {
      ctx.signal.removeEventListener("abort", onAbort);
      cancelDeadline();
    };
  }

  /** Aborted when the caller cancels, the deadline passes, the consumer stops or the service shuts down. */
  get signal(): AbortSignal {
    return this.#source.signal;
  }

  /** True once the call is aborted (by the caller, its deadline, the service). Reading it never makes the signal. */
  get aborted(): boolean {
    return this.#reason !== undefined || isCallAborted(this.#source);
  }

  /**
   * The unary provider call for `valid` under this scope. Its signal is this scope's, handed over
   * unmade: a provider that never waits (the sim) asks `aborted()` instead and never makes it.
   */
  providerCall(valid: ValidRequest): ProviderCall {
    return new ScopedProviderCall(valid.agent, valid.action, valid.input, this) as ProviderCall;
  }

  /** Throws the abort's reason when the call is already aborted (a closed service, a past deadline). */
  check(): void {
    if (this.aborted) throw this.fail(undefined);
  }

  /** Aborts the call with `reason`, unless it was aborted already (the first reason stands). */
  abort(reason: SynapseError): void {
    if (this.aborted) return;
    this.#reason = reason;
    this.#abort(reason);
  }

  /** The error to throw for `err`: the abort's reason when the call was aborted, else `err` as a SynapseError. */
  fail(err: unknown): SynapseError {
    this.#error ??= isCallAborted(this.#source)
      ? abortError(this.signal)
      : (this.#reason ?? SynapseError.from(err));
    return this.#error;
  }

  /** Ends the call (idempotent): leaves the in-flight set, records and logs it. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#detach?.();
    this.host.inFlight.delete(this);
    const durationMs = this.host.clock.now() - this.#started;
    const code = this.#error?.code ?? "OK";
    const record: CallRecord = {
      kind: this.kind,
      action: this.action,
      code,
      durationMs,
      requestId: this.requestId,
    };
    this.host.onCallEnd?.(record);
    this.#log(record);
  }

  #log(record: CallRecord): void {
    const logger = this.host.logger;
    const err = this.#error;
    // Calls that succeed log at debug, which is off in production: build no fields for nothing.
    if (!logger || (!err && !logger.isLevelEnabled("debug"))) return;
    const fields = { ...record, ...(this.streamId ? { streamId: this.streamId } : {}) };
    if (!err) logger.debug(fields, "call done");
    else if (err.code === "INTERNAL" || err.code === "UNKNOWN" || err.code === "DATA_LOSS") {
      logger.error({ ...fields, err: err.cause ?? err }, `call failed: ${err.message}`);
    } else if (
      err.code === "UNAVAILABLE" ||
      err.code === "RESOURCE_EXHAUSTED" ||
      err.code === "DEADLINE_EXCEEDED"
    ) {
      logger.warn(fields, `call failed: ${err.message}`);
    } else logger.info(fields, `call failed: ${err.message}`);
  }
}

/**
 * A provider call whose signal is its scope's, read through a getter on the prototype (an object
 * literal with a getter took V8's slow path: ~2 µs a call). A continuation is for streams only.
 */
class ScopedProviderCall {
  readonly continuation = undefined;

  constructor(
    readonly agent: AgentName,
    readonly action: ActionName,
    readonly input: unknown,
    private readonly scope: CallScope,
  ) {}

  get signal(): AbortSignal {
    return this.scope.signal;
  }

  aborted(): boolean {
    return this.scope.aborted;
  }
}
