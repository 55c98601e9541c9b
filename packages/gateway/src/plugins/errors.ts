/**
 * One error shape for every route: `{"error": {"code", "message", "requestId"}}` with the HTTP
 * status from `toHttpStatus`, and the OpenAI shape under /v1 so OpenAI clients understand it.
 * No stack trace or internal path ever reaches a client; the cause goes to the log.
 */
import { type Code, SynapseError, toHttpStatus } from "@synapse/core";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";

const OPENAI_TYPE: Partial<Record<Code, string>> = {
  INVALID_ARGUMENT: "invalid_request_error",
  NOT_FOUND: "invalid_request_error",
  UNAUTHENTICATED: "authentication_error",
  PERMISSION_DENIED: "permission_error",
  RESOURCE_EXHAUSTED: "rate_limit_error",
};

/** Turns whatever a route threw into a SynapseError; Fastify's own errors keep their meaning. */
export function toSynapseError(err: unknown): SynapseError {
  if (err instanceof SynapseError) return err;
  const fe = err as Partial<FastifyError> & { validation?: unknown };
  if (fe.validation) {
    return new SynapseError("INVALID_ARGUMENT", `Invalid request: ${fe.message}`);
  }
  switch (fe.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new SynapseError(
        "INVALID_ARGUMENT",
        "Request body is too large; raise SYNAPSE_BODY_LIMIT_BYTES to accept bigger ones.",
      );
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new SynapseError("INVALID_ARGUMENT", "Unsupported Content-Type; send application/json.");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new SynapseError("INVALID_ARGUMENT", "The JSON body is empty.");
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new SynapseError("INVALID_ARGUMENT", "Content-Length does not match the body.");
  }
  if (fe.statusCode === 400 && fe.message) {
    // Fastify's JSON parser: the message names the syntax problem, nothing internal.
    return new SynapseError("INVALID_ARGUMENT", `Invalid JSON body: ${fe.message}`);
  }
  return SynapseError.from(err);
}

export function sendError(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const error = toSynapseError(err);
  const status = toHttpStatus(error.code);
  if (error.code === "INTERNAL" || error.code === "UNKNOWN" || error.code === "DATA_LOSS") {
    request.log.error({ err: error.cause ?? error, code: error.code }, "request failed");
  } else {
    request.log.info({ code: error.code, msg: error.message }, "request refused");
  }
  if (error.retryAfterMs !== undefined && error.retryAfterMs >= 0) {
    reply.header("retry-after", String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
  }
  const body = request.url.startsWith("/v1/")
    ? {
        error: {
          message: error.message,
          type: OPENAI_TYPE[error.code] ?? "api_error",
          code: error.code.toLowerCase(),
          param: null,
        },
      }
    : { error: { code: error.code, message: error.message, requestId: request.id, ...detailsOf(error) } };
  return reply.code(status).type("application/json").send(body);
}

function detailsOf(error: SynapseError): { details?: Record<string, unknown> } {
  return error.details === undefined ? {} : { details: error.details };
}

export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((err, request, reply) => sendError(request, reply, err));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      new SynapseError("NOT_FOUND", `No route ${request.method} ${request.url.split("?")[0]}; see /docs.`),
    ),
  );
});
