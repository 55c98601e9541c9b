/**
 * What `synapse workflow` asks of the gateway over HTTP: start a run and read its progress as
 * Server-Sent Events (parsed with eventsource-parser), follow a run, and fetch its final state.
 * Connection failures become UNAVAILABLE with where it tried and how to start a gateway.
 */
import { isCode, SynapseError } from "@synapse/core";
import { createParser, type EventSourceMessage } from "eventsource-parser";

/** One progress event as the gateway sends it (see the gateway's run-events.ts). */
export interface ProgressEvent {
  type: string;
  runId?: string;
  step?: string;
  agent?: string;
  action?: string;
  round?: number;
  seq?: number;
  text?: string;
  durationMs?: number;
  status?: string;
  error?: { code: string; message: string };
  resumedAfterSeq?: number;
  /** The `run` snapshot that starts a follow. */
  id?: string;
  awaiting?: string;
  steps?: RunStep[];
}

export interface RunStep {
  step: string;
  agent: string;
  action: string;
  round: number;
  status: string;
  durationMs: number;
}

export interface RunState {
  id: string;
  workflow: string;
  status: string;
  durationMs: number;
  rounds: Record<string, number>;
  steps: RunStep[];
  error?: { code: string; message: string };
}

export class GatewayClient {
  constructor(
    readonly url: string,
    private readonly apiKey?: string,
  ) {}

  /** Starts a run and yields its events until it finishes. */
  async *start(body: Record<string, unknown>): AsyncGenerator<ProgressEvent> {
    const res = await this.#fetch("/api/v1/workflow", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify(body),
    });
    yield* events(res);
  }

  /** A run's state now, then its live events until it finishes. */
  async *follow(runId: string): AsyncGenerator<ProgressEvent> {
    yield* events(await this.#fetch(`/api/v1/workflow/${encodeURIComponent(runId)}/events`, {}));
  }

  async run(runId: string): Promise<RunState> {
    const res = await this.#fetch(`/api/v1/workflow/${encodeURIComponent(runId)}`, {});
    return (await res.json()) as RunState;
  }

  async #fetch(path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.apiKey !== undefined) headers.set("authorization", `Bearer ${this.apiKey}`);
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, { ...init, headers });
    } catch {
      throw new SynapseError(
        "UNAVAILABLE",
        `cannot reach the gateway at ${this.url}: is it running? Start it with \`npm start\` or \`synapse gateway\`, or pass --url.`,
      );
    }
    if (!res.ok) throw await gatewayError(res);
    return res;
  }
}

async function gatewayError(res: Response): Promise<SynapseError> {
  const body = (await res.json().catch(() => ({}))) as { error?: { code?: unknown; message?: unknown } };
  const code = isCode(body.error?.code) ? body.error.code : "UNKNOWN";
  const message =
    typeof body.error?.message === "string" ? body.error.message : `the gateway answered HTTP ${res.status}`;
  return new SynapseError(code, message);
}

/** The SSE events of a response, as objects, until the stream ends. */
async function* events(res: Response): AsyncGenerator<ProgressEvent> {
  const queue: ProgressEvent[] = [];
  const parser = createParser({
    onEvent(message: EventSourceMessage) {
      try {
        const data = JSON.parse(message.data) as ProgressEvent;
        queue.push(message.event === "run" ? { ...data, type: "run" } : data);
      } catch {
        // Not ours (a comment or a malformed line): ignore it, as EventSource does.
      }
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    while (queue.length > 0) yield queue.shift() as ProgressEvent;
  }
}
