/**
 * The agent routes: the original's POST /api/v1/{agent}/{action} for each action, the generic
 * POST /api/v1/agents/{agent}/{action}, and stream resume GET /api/v1/streams/{id}.
 * Each answers JSON, or Server-Sent Events with `Accept: text/event-stream` or `"stream": true`.
 */
import {
  ACTIONS_BY_AGENT,
  type ActionName,
  AGENTS,
  type AgentName,
  assertAgentAction,
  type StreamEvent,
  SynapseError,
} from "@synapse/core";
import { closeQuietly } from "@synapse/resilience";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { clientGoneSignal } from "../client-gone.js";
import type { GatewayContext } from "../context.js";
import {
  actionBodySchema,
  agentResponseSchema,
  errorResponseSchema,
  genericBodySchema,
  sseResponse,
} from "../schemas.js";
import { parseLastEventId, pipeEvents, SseWriter } from "../sse.js";
import type { OpenedStream } from "../upstream.js";

type Body = Record<string, unknown> & { stream?: boolean };

export function wantsStream(request: FastifyRequest, body: Body | undefined): boolean {
  return body?.stream === true || (request.headers.accept ?? "").includes("text/event-stream");
}

export async function agentRoutes(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  const responses = {
    200: { ...agentResponseSchema, ...sseResponse },
    "4xx": errorResponseSchema,
    "5xx": errorResponseSchema,
  };

  for (const agent of AGENTS) {
    for (const action of ACTIONS_BY_AGENT[agent]) {
      app.post<{ Body: Body }>(
        `/api/v1/${agent}/${action}`,
        {
          schema: {
            tags: [agent],
            summary: `${agent} ${action}`,
            body: actionBodySchema(action),
            response: responses,
          },
          config: { agent, action },
        },
        (request, reply) => runAction(ctx, agent, action, request, reply),
      );
    }
  }

  app.post<{ Body: Body; Params: { agent: string; action: string } }>(
    "/api/v1/agents/:agent/:action",
    {
      schema: {
        tags: ["agents"],
        summary: "Any agent action by name",
        params: {
          type: "object",
          properties: { agent: { type: "string" }, action: { type: "string" } },
          required: ["agent", "action"],
        },
        body: genericBodySchema,
        response: responses,
      },
    },
    (request, reply) => {
      const { agent, action } = assertAgentAction(request.params.agent, request.params.action);
      return runAction(ctx, agent, action, request, reply);
    },
  );

  app.get<{ Params: { id: string }; Querystring: { after?: number } }>(
    "/api/v1/streams/:id",
    {
      schema: {
        tags: ["streams"],
        summary: "Resume a stream: the chunks after `after` (or Last-Event-ID), then its live tail",
        params: { type: "object", properties: { id: { type: "string", minLength: 1, maxLength: 200 } } },
        querystring: { type: "object", properties: { after: { type: "integer", minimum: 0 } } },
        response: { 200: sseResponse, "4xx": errorResponseSchema },
      },
    },
    async (request, reply) => {
      const last = parseLastEventId(request.headers["last-event-id"]);
      const afterSeq = last?.streamId === request.params.id ? last.afterSeq : (request.query.after ?? 0);
      ctx.metrics.streamResumes.inc({ by: "client" });
      await sendStream(ctx, reply, request.params.id, afterSeq, abortOnClose(reply));
    },
  );
}

async function runAction(
  ctx: GatewayContext,
  agent: AgentName,
  action: ActionName,
  request: FastifyRequest<{ Body: Body }>,
  reply: FastifyReply,
): Promise<unknown> {
  const { stream, ...input } = request.body ?? {};
  const agentRequest = { agent, action, input, requestId: request.id };
  const deadline = Date.now() + ctx.config.gateway.timeoutMs;
  const idempotencyKey = idempotencyKeyOf(request);
  request.labels = { agent, action };

  if (wantsStream(request, request.body)) {
    const abort = abortOnClose(reply);
    // The stream this request starts is read with the reader it was started with (one store
    // subscription, no read); one that an earlier request with the same key started is read back.
    const mine: { opened?: OpenedStream } = {};
    const start = async () => {
      mine.opened = await ctx.upstream.openStream(
        agentRequest,
        { deadline, requestId: request.id },
        abort.signal,
      );
      return mine.opened.streamId;
    };
    let streamId: string;
    try {
      streamId = idempotencyKey ? await ctx.idempotency.stream(idempotencyKey, start) : await start();
    } catch (err) {
      abort.dispose();
      throw err;
    }
    const last = parseLastEventId(request.headers["last-event-id"]);
    const afterSeq = last?.streamId === streamId ? last.afterSeq : 0;
    if (last?.streamId === streamId) ctx.metrics.streamResumes.inc({ by: "client" });
    const { opened } = mine;
    const own = opened?.streamId === streamId && afterSeq === 0 ? opened.events : undefined;
    // Opened here but resumed after a seq (a client that knew the new id): read back instead.
    if (opened !== undefined && own === undefined) closeQuietly(opened.events[Symbol.asyncIterator]());
    await sendStream(ctx, reply, streamId, afterSeq, abort, own);
    return reply;
  }

  const signal = clientGoneSignal(request);
  const started = performance.now();
  const call = () => ctx.upstream.invoke(agentRequest, { signal, deadline, requestId: request.id });
  try {
    const response = idempotencyKey ? await ctx.idempotency.unary(idempotencyKey, call) : await call();
    return { ...response, requestId: request.id };
  } finally {
    request.upstreamMs = performance.now() - started;
  }
}

/**
 * Sends a stream as SSE: `events` when this request opened it, else the stream read back after
 * `afterSeq`. The first event is read before the 200 is committed, so an unknown stream is a 404.
 */
async function sendStream(
  ctx: GatewayContext,
  reply: FastifyReply,
  streamId: string,
  afterSeq: number,
  abort: { signal: AbortSignal; dispose(): void },
  events?: AsyncIterable<StreamEvent>,
): Promise<void> {
  let iterator: AsyncIterator<StreamEvent>;
  let first: IteratorResult<StreamEvent>;
  try {
    iterator = (events ?? ctx.upstream.readStream(streamId, afterSeq, abort.signal))[Symbol.asyncIterator]();
    first = await iterator.next();
  } catch (err) {
    abort.dispose();
    throw err;
  }
  reply.hijack();
  const sse = new SseWriter(
    reply.raw,
    { heartbeatMs: ctx.config.gateway.heartbeatMs },
    { "x-stream-id": streamId },
  );
  try {
    await pipeEvents(iterator, sse, first);
  } finally {
    // Counted by the metrics plugin like any request: onResponse runs for a hijacked reply too
    // once it ends, and a stream its client left is counted as 499.
    abort.dispose();
  }
}

/** An AbortController aborted when the client goes away before its response is finished. */
function abortOnClose(reply: FastifyReply): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) controller.abort(new SynapseError("CANCELLED", "The client went away."));
  };
  reply.raw.once("close", onClose);
  return { signal: controller.signal, dispose: () => reply.raw.off("close", onClose) };
}

function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const key = request.headers["idempotency-key"];
  if (typeof key !== "string" || key === "") return undefined;
  if (key.length > 200)
    throw new SynapseError("INVALID_ARGUMENT", "Idempotency-Key is longer than 200 characters.");
  return `${request.principal ?? "anonymous"}:${request.url}:${key}`;
}
