/**
 * synapse.v1.AgentService served from an AgentHandler: each RPC validates its request, opens a
 * CallScope (deadline, cancellation, metadata), runs the handler and converts what comes back.
 * Every error leaves as a gRPC status with the SynapseError's code; anything else is logged and
 * sent as a generic INTERNAL.
 */
import { once } from "node:events";
import type { ServerWritableStream, sendUnaryData } from "@grpc/grpc-js";
import { type AgentHandler, type Clock, type Logger, type StreamEvent, SynapseError } from "@synapse/core";
import type * as pb from "../generated/synapse/v1/agent.js";
import { CallScope, DEADLINE_EXCEEDED, type ServerCall } from "./call-scope.js";
import {
  checkResumeRequest,
  fromInvokeRequest,
  toAgentResult,
  toDescribeResponse,
  toProtoEvent,
} from "./messages.js";
import { toGrpcStatus } from "./status.js";

export interface AgentServiceDeps {
  handler: AgentHandler;
  clock: Clock;
  logger: Logger | undefined;
  /** Open calls, so a forced shutdown can cancel them. */
  inFlight: Set<CallScope>;
}

type EventSource = (scope: CallScope) => AsyncIterable<StreamEvent>;

export function createAgentService(deps: AgentServiceDeps): pb.AgentServiceServer {
  const { handler, clock, logger, inFlight } = deps;

  /** The status for `err`, logging errors that are not SynapseErrors (their text stays private). */
  function statusOf(err: unknown, path: string) {
    if (!(err instanceof SynapseError)) logger?.error({ err, path }, "gRPC handler failed");
    return toGrpcStatus(SynapseError.from(err));
  }

  /** Opens a scope, or answers DEADLINE_EXCEEDED without running anything when it is already late. */
  function open(call: ServerCall): CallScope | undefined {
    const scope = new CallScope(call, clock, inFlight);
    if (!scope.expired) return scope;
    scope.end();
    return undefined;
  }

  async function pump(
    call: ServerWritableStream<unknown, pb.StreamEvent>,
    scope: CallScope,
    source: EventSource,
    method: string,
  ): Promise<void> {
    let iterator: AsyncIterator<StreamEvent> | undefined;
    let finished = false;
    try {
      iterator = source(scope)[Symbol.asyncIterator]();
      const signal = scope.ctx.signal;
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        if (signal.aborted) throw signal.reason;
        // Honour the client's flow control: a slow reader holds the handler back, not our memory.
        if (!call.write(toProtoEvent(next.value))) await once(call, "drain", { signal });
      }
      finished = true;
      call.end();
    } catch (err) {
      call.emit("error", statusOf(scope.failure(err), method));
    } finally {
      scope.end();
      // Stopped early (cancelled, disconnected, failed): let the handler's generator clean up.
      if (!finished) await iterator?.return?.().catch(() => undefined);
    }
  }

  function serveStream(
    call: ServerWritableStream<unknown, pb.StreamEvent>,
    source: EventSource,
    method: string,
  ): void {
    const scope = open(call);
    if (scope === undefined) {
      call.emit("error", toGrpcStatus(DEADLINE_EXCEEDED()));
      return;
    }
    void pump(call, scope, source, method);
  }

  return {
    invoke(call, callback: sendUnaryData<pb.InvokeResponse>) {
      const scope = open(call);
      if (scope === undefined) {
        callback(toGrpcStatus(DEADLINE_EXCEEDED()));
        return;
      }
      let result: Promise<pb.InvokeResponse>;
      try {
        const request = fromInvokeRequest(call.request, scope.ctx.metadata["x-request-id"]);
        result = handler.invoke(request, scope.ctx).then((response) => ({ result: toAgentResult(response) }));
      } catch (err) {
        result = Promise.reject(err);
      }
      result.then(
        (response) => {
          scope.end();
          callback(null, response);
        },
        (err: unknown) => {
          scope.end();
          callback(statusOf(scope.failure(err), "Invoke"));
        },
      );
    },

    stream(call) {
      serveStream(
        call,
        (scope) =>
          handler.stream(fromInvokeRequest(call.request, scope.ctx.metadata["x-request-id"]), scope.ctx),
        "Stream",
      );
    },

    resume(call) {
      serveStream(
        call,
        (scope) => {
          checkResumeRequest(call.request);
          return handler.resume(call.request.streamId, call.request.afterSeq, scope.ctx);
        },
        "Resume",
      );
    },

    describe(_call, callback: sendUnaryData<pb.DescribeResponse>) {
      try {
        callback(null, toDescribeResponse(handler.describe()));
      } catch (err) {
        callback(statusOf(err, "Describe"));
      }
    },
  };
}
