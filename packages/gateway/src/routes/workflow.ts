/**
 * The workflow routes: POST /api/v1/workflow starts a run (202 with its id, or its progress as
 * Server-Sent Events), GET /api/v1/workflow lists runs, GET /api/v1/workflow/{id} shows one,
 * GET …/{id}/events follows one, POST …/{id}/approve | reject | cancel act on one; POST and GET
 * /api/v1/workflows register and list custom workflow definitions (JSON or YAML).
 */
import { SynapseError, systemClock } from "@synapse/core";
import type { FastifyInstance } from "fastify";
import { parse as parseYaml } from "yaml";
import type { GatewayContext } from "../context.js";
import { errorResponseSchema } from "../schemas.js";
import type { RegisteredDefinition } from "../workflow/definition-registry.js";
import type { WorkflowEvent } from "../workflow/run-events.js";
import { followRemote, type RemoteFollower } from "../workflow/run-follow.js";
import { sendRunEvents } from "../workflow/run-sse.js";
import type { RunRecord, RunStatus } from "../workflow/run-store.js";
import {
  definitionBody,
  definitionSchema,
  listQuery,
  runAcceptedSchema,
  runIdParams,
  runListSchema,
  runViewSchema,
  sseRunResponse,
  startRunBody,
} from "../workflow/schemas.js";

interface StartBody {
  task?: string;
  workflow?: string;
  input?: Record<string, unknown>;
  approval?: boolean;
  stream?: boolean;
}

const errors = { "4xx": errorResponseSchema, "5xx": errorResponseSchema };
const BASE = "/api/v1/workflow";

export async function workflowRoutes(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  const engine = ctx.workflows;
  // YAML definitions; encapsulated in this plugin, so other routes keep JSON only.
  app.addContentTypeParser(
    ["application/yaml", "application/x-yaml", "text/yaml"],
    { parseAs: "string" },
    (_request, body, done) => {
      try {
        done(null, parseYaml(body as string));
      } catch (err) {
        done(new SynapseError("INVALID_ARGUMENT", `Invalid YAML body: ${(err as Error).message}`), undefined);
      }
    },
  );

  app.post<{ Body: StartBody }>(
    BASE,
    {
      schema: {
        tags: ["workflow"],
        summary: "Start a workflow run (default: plan → code → review loop → execute)",
        body: startRunBody,
        response: { 202: runAcceptedSchema, 200: sseRunResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { task, workflow, input, approval } = request.body;
      const runInput = { ...(input ?? {}), ...(task === undefined ? {} : { task }) };
      const start = {
        input: runInput,
        ...(workflow === undefined ? {} : { workflow }),
        ...(approval === undefined ? {} : { approval }),
      };
      const stream =
        request.body.stream === true || (request.headers.accept ?? "").includes("text/event-stream");
      if (!stream) {
        const run = await engine.startRun(start);
        return reply.code(202).header("location", `${BASE}/${run.id}`).send(accepted(run));
      }
      const early: WorkflowEvent[] = [];
      let deliver: (event: WorkflowEvent) => void = (event) => early.push(event);
      const run = await engine.startRun(start, (event) => deliver(event));
      await sendRunEvents(ctx, reply, run.id, early, (listener) => {
        deliver = listener;
        return () => {
          deliver = () => {};
        };
      });
      return reply;
    },
  );

  app.get<{ Querystring: { limit: number; cursor?: string; status?: RunStatus } }>(
    BASE,
    {
      schema: {
        tags: ["workflow"],
        summary: "List workflow runs, newest first",
        querystring: listQuery,
        response: { 200: runListSchema, ...errors },
      },
    },
    (request) => engine.list(request.query),
  );

  app.get<{ Params: { id: string } }>(
    `${BASE}/:id`,
    {
      schema: {
        tags: ["workflow"],
        summary: "A workflow run: status, steps with outputs and durations, rounds",
        params: runIdParams,
        response: { 200: runViewSchema, ...errors },
      },
    },
    (request) => engine.get(request.params.id),
  );

  app.get<{ Params: { id: string } }>(
    `${BASE}/:id/events`,
    {
      schema: {
        tags: ["workflow"],
        summary:
          "Follow a run as Server-Sent Events (a `run` snapshot, then live events; step-level events polled every second when another gateway drives the run)",
        params: runIdParams,
        response: { 200: sseRunResponse, ...errors },
      },
    },
    async (request, reply) => {
      const early: WorkflowEvent[] = [];
      let deliver: (event: WorkflowEvent) => void = (event) => early.push(event);
      let remote: RemoteFollower | undefined;
      const unsubscribe = engine.events.subscribe(request.params.id, (event) => {
        remote?.note(event);
        deliver(event);
      });
      try {
        const view = await engine.get(request.params.id);
        const finished = !["running", "awaiting_approval"].includes(view.status);
        // Another gateway may drive the run (now or later): its progress reaches this one by polling.
        if (!finished) remote = followRemote(engine, view, (event) => deliver(event), systemClock);
        await sendRunEvents(
          ctx,
          reply,
          view.id,
          early,
          (listener) => {
            deliver = listener;
            return unsubscribe;
          },
          { event: "run", data: view, last: finished },
        );
      } finally {
        remote?.stop();
        unsubscribe();
      }
      return reply;
    },
  );

  for (const verb of ["approve", "reject", "cancel"] as const) {
    app.post<{ Params: { id: string } }>(
      `${BASE}/:id/${verb}`,
      {
        schema: {
          tags: ["workflow"],
          summary:
            verb === "cancel"
              ? "Cancel a run and its in-flight agent call"
              : `${verb === "approve" ? "Approve" : "Reject"} the step a run is waiting on`,
          params: runIdParams,
          response: { 200: runViewSchema, ...errors },
        },
      },
      (request) => engine[verb](request.params.id),
    );
  }

  app.post(
    "/api/v1/workflows",
    {
      schema: {
        tags: ["workflow"],
        summary: "Register a custom workflow definition (JSON or YAML)",
        body: definitionBody,
        response: { 201: definitionSchema, ...errors },
      },
    },
    async (request, reply) => {
      const definition = await engine.register(request.body);
      return reply.code(201).send(describe({ definition, source: "api" }));
    },
  );

  app.get(
    "/api/v1/workflows",
    {
      schema: {
        tags: ["workflow"],
        summary: "List the workflows a run can name",
        response: {
          200: { type: "object", properties: { workflows: { type: "array", items: definitionSchema } } },
        },
      },
    },
    async () => ({ workflows: engine.definitions.list().map(describe) }),
  );

  app.get<{ Params: { name: string } }>(
    "/api/v1/workflows/:name",
    {
      schema: {
        tags: ["workflow"],
        summary: "One workflow definition",
        params: { type: "object", properties: { name: { type: "string", maxLength: 64 } } },
        response: { 200: definitionSchema, ...errors },
      },
    },
    async (request) => describe(engine.definitions.get(request.params.name)),
  );
}

function accepted(run: RunRecord) {
  const self = `${BASE}/${run.id}`;
  return {
    id: run.id,
    workflow: run.workflow,
    status: run.status,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    durationMs: 0,
    links: {
      self,
      events: `${self}/events`,
      approve: `${self}/approve`,
      reject: `${self}/reject`,
      cancel: `${self}/cancel`,
    },
  };
}

function describe({ definition, source }: RegisteredDefinition) {
  return { ...definition.source, source };
}
