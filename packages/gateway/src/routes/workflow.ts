/** POST /api/v1/workflow — the multi-agent workflow, which arrives with the workflow engine. */
import { SynapseError } from "@synapse/core";
import type { FastifyInstance } from "fastify";

export async function workflowRoutes(app: FastifyInstance): Promise<void> {
  app.post(
    "/api/v1/workflow",
    { schema: { tags: ["workflow"], summary: "Multi-agent workflow (plan → code → review → execute)" } },
    async () => {
      throw new SynapseError(
        "UNIMPLEMENTED",
        "Workflows are not available in this version yet; call the agents one by one under /api/v1/{agent}/{action}.",
      );
    },
  );
}
