/**
 * One call's bookkeeping: its request id, the signal its work runs under (the caller's signal,
 * its deadline and the service's shutdown, joined), its place among the calls in flight, and the
 * record and log line written when it ends.
 */
import type { ActionName, CallContext, Clock, Code, Logger } from "@synapse/core";
import { newRequestId, SynapseError } from "@synapse/core";
import { abortError } from "@synapse/providers";
import type { InFlight } from "./in-flight.js";

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
  readonly #controller = new AbortController();
  readonly #started: number;
  readonly #detach: () => void;
  action: ActionName | "unknown" = "unknown";
  streamId: string | undefined;
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
    host.inFlight.add(this.#controller);
    const onAbort = () => this.#controller.abort(ctx.signal.reason);
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener("abort", onAbort, { once: true });
    let cancelDeadline = () => {};
    if (ctx.deadline !== undefined) {
      const deadlineExceeded = () =>
        this.#controller.abort(
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
    return this.#controller.signal;
  }

  /** Throws the abort's reason when the call is already aborted (a closed service, a past deadline). */
  check(): void {
    if (this.signal.aborted) throw this.fail(undefined);
  }

  abort(reason: SynapseError): void {
    this.#controller.abort(reason);
  }

  /** The error to throw for `err`: the abort's reason when the call was aborted, else `err` as a SynapseError. */
  fail(err: unknown): SynapseError {
    this.#error ??= this.signal.aborted ? abortError(this.signal) : SynapseError.from(err);
    return this.#error;
  }

  /** Ends the call (idempotent): leaves the in-flight set, records and logs it. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#detach();
    this.host.inFlight.delete(this.#controller);
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
    if (!logger) return;
    const fields = { ...record, ...(this.streamId ? { streamId: this.streamId } : {}) };
    const err = this.#error;
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
