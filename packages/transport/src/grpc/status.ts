/**
 * SynapseError ⇄ gRPC status. Codes map 1:1 (GRPC_STATUS), the message travels as the status
 * details, server pushback as the `grpc-retry-pushback-ms` trailer (gRFC A6), and error details
 * as a JSON `synapse-error-details-bin` trailer.
 */
import { Metadata, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import { codeFromGrpcStatus, GRPC_STATUS, notSentError, SynapseError } from "@synapse/core";

/** The gRFC A6 trailer by which a server tells a client when to retry, in milliseconds. */
export const PUSHBACK_TRAILER = "grpc-retry-pushback-ms";

/** Machine-readable error details, JSON in UTF-8 (binary metadata keys end in "-bin"). */
export const DETAILS_TRAILER = "synapse-error-details-bin";

/** The status a server sends for `err`. */
export function toGrpcStatus(err: SynapseError): Pick<StatusObject, "code" | "details" | "metadata"> {
  let metadata: Metadata | undefined;
  if (err.retryAfterMs !== undefined) {
    metadata = new Metadata();
    // gRFC A6: a negative value asks the client not to retry at all.
    metadata.set(PUSHBACK_TRAILER, String(Math.round(err.retryAfterMs)));
  }
  if (err.details !== undefined) {
    metadata ??= new Metadata();
    metadata.set(DETAILS_TRAILER, Buffer.from(JSON.stringify(err.details), "utf8"));
  }
  return { code: GRPC_STATUS[err.code], details: err.message, metadata: metadata ?? EMPTY_METADATA };
}

// grpc-js clones trailers before sending them, so one empty instance serves every call.
const EMPTY_METADATA = new Metadata();

/** True for the errors grpc-js gives a client call that ended with a non-OK status. */
export function isServiceError(err: unknown): err is ServiceError {
  return (
    err instanceof Error &&
    typeof (err as Partial<ServiceError>).code === "number" &&
    (err as Partial<ServiceError>).metadata instanceof Metadata
  );
}

/** The SynapseError for a status a client received. */
export function fromServiceError(err: ServiceError): SynapseError {
  const code = codeFromGrpcStatus(err.code);
  const message = err.details || `The gRPC call failed with ${code}.`;
  // grpc-js fails a call it could not send anywhere with this status from its picker.
  if (code === "UNAVAILABLE" && message.includes("No connection established")) {
    return notSentError(message, err);
  }
  return new SynapseError(code, message, {
    retryAfterMs: readPushback(err.metadata),
    details: readDetails(err.metadata),
    cause: err,
  });
}

/**
 * The pushback a status carries: its milliseconds when a non-negative integer, -1 ("do not
 * retry", as gRFC A6 reads a negative or unparseable value), undefined when absent.
 */
export function readPushback(metadata: Metadata | undefined): number | undefined {
  const value = metadata?.get(PUSHBACK_TRAILER)[0];
  if (value === undefined) return undefined;
  const text = value.toString();
  return /^\d+$/.test(text) ? Number(text) : -1;
}

function readDetails(metadata: Metadata | undefined): Record<string, unknown> | undefined {
  const value = metadata?.get(DETAILS_TRAILER)[0];
  if (value === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(value.toString());
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    // Details are extra facts; a peer that sends garbage still gets its code and message through.
    return undefined;
  }
}
