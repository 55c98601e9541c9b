/** A run's progress as Server-Sent Events: `id: <runId>:<n>`, event = the progress event's type. */
import type { FastifyReply } from "fastify";
import type { GatewayContext } from "../context.js";
import { SseWriter } from "../sse.js";
import type { WorkflowEvent } from "./run-events.js";

/**
 * Writes a run's events as SSE until it finishes (or the client leaves; the run goes on).
 * `early` holds the events that came before the writer was ready; `follow` swaps in the live listener.
 */
export async function sendRunEvents(
  ctx: GatewayContext,
  reply: FastifyReply,
  runId: string,
  early: WorkflowEvent[],
  follow: (listener: (event: WorkflowEvent) => void) => () => void,
  first?: { event: string; data: unknown; last: boolean },
): Promise<void> {
  reply.hijack();
  const sse = new SseWriter(
    reply.raw,
    { heartbeatMs: ctx.config.gateway.heartbeatMs },
    { "x-run-id": runId },
  );
  const queue = [...early];
  let wake: (() => void) | undefined;
  const stop = follow((event) => {
    queue.push(event);
    wake?.();
  });
  const onClose = () => wake?.();
  reply.raw.once("close", onClose);
  let n = 0;
  try {
    if (first !== undefined) {
      await sse.send(first.event, first.data, `${runId}:${++n}`);
      if (first.last) return;
    }
    while (!sse.isClosed) {
      const event = queue.shift();
      if (event === undefined) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      await sse.send(event.type, event, `${runId}:${++n}`);
      if (event.type === "run_finished") return;
    }
  } finally {
    reply.raw.off("close", onClose);
    stop();
    sse.end();
  }
}
