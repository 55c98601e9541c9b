/**
 * A workflow engine in this process over a fake upstream (answers made up per action, or a
 * stream that never ends until aborted), real SQLite persistence and a FakeClock: for exact tests
 * of limits and deadlines without agent processes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AgentRequest,
  type AgentResponse,
  createLogger,
  FakeClock,
  loadConfig,
  type StreamEvent,
  SynapseError,
} from "@synapse/core";
import { MemoryCheckpointStore } from "@synapse/resilience";
import { GatewayMetrics } from "../../src/metrics.js";
import type { Upstream, UpstreamOptions } from "../../src/upstream.js";
import { openPersistence, type WorkflowPersistence } from "../../src/workflow/persistence.js";
import type { WorkflowEvent } from "../../src/workflow/run-events.js";
import { type StartRunRequest, WorkflowEngine } from "../../src/workflow/workflow-engine.js";

export type Answer = { result: Record<string, unknown>; text?: string } | "hang";

/** Default answers: a one-step plan, one file, an approving review, a described command. */
export function defaultAnswer(request: AgentRequest): Answer {
  switch (request.action) {
    case "plan":
      return { result: { steps: [{ id: 1, goal: "do it", check: "it is done" }] } };
    case "code":
      return { result: { files: [{ path: "a.ts", content: "export {};\n" }], explanation: "done" } };
    case "review":
      return { result: { verdict: "approve", comments: [], summary: "fine" } };
    default:
      return { result: { commands: [], executed: false, isolation: "none" } };
  }
}

export class FakeUpstream implements Upstream {
  readonly calls: AgentRequest[] = [];
  /** The signal each stream was started with, by stream id. */
  readonly signals = new Map<string, AbortSignal | undefined>();
  /** The deadline each call was given, in call order. */
  readonly deadlines: number[] = [];
  readonly #requests = new Map<string, AgentRequest>();

  constructor(public answer: (request: AgentRequest) => Answer = defaultAnswer) {}

  async startStream(
    request: AgentRequest,
    options: Omit<UpstreamOptions, "signal"> & { signal?: AbortSignal },
  ) {
    const id = `s_fake${this.calls.length + 1}`;
    this.calls.push(request);
    this.#requests.set(id, request);
    this.signals.set(id, options.signal);
    this.deadlines.push(options.deadline);
    return id;
  }

  async openStream(
    request: AgentRequest,
    options: Omit<UpstreamOptions, "signal"> & { signal?: AbortSignal },
    readSignal: AbortSignal,
  ) {
    const streamId = await this.startStream(request, options);
    return { streamId, events: this.readStream(streamId, 0, readSignal) };
  }

  async *readStream(streamId: string, _afterSeq: number, signal: AbortSignal): AsyncIterable<StreamEvent> {
    const request = this.#requests.get(streamId) as AgentRequest;
    const answer = this.answer(request);
    if (answer === "hang") {
      await new Promise((_, reject) =>
        signal.addEventListener("abort", () => reject(SynapseError.from(signal.reason, "CANCELLED")), {
          once: true,
        }),
      );
      return;
    }
    const text = answer.text ?? `${request.action} done`;
    yield { type: "chunk", streamId, seq: 1, text };
    const response: AgentResponse = {
      agent: request.agent,
      action: request.action,
      result: answer.result,
      text,
      usage: { inputTokens: 1, outputTokens: 1 },
      provider: "fake",
      model: "fake",
      latencyMs: 0,
    };
    yield { type: "final", streamId, lastSeq: 1, hash: "", response };
  }

  invoke(): Promise<AgentResponse> {
    throw new SynapseError("UNIMPLEMENTED", "not used by workflows");
  }

  health() {
    return [];
  }

  async close(): Promise<void> {}

  actions(): string[] {
    return this.calls.map((c) => c.action);
  }
}

export interface StartedRun {
  id: string;
  events: WorkflowEvent[];
  /** Resolves with the first event of `type` (of step `step` when given), already seen or still to come. */
  until(type: WorkflowEvent["type"], step?: string): Promise<WorkflowEvent>;
}

export interface EngineHarness {
  engine: WorkflowEngine;
  upstream: FakeUpstream;
  clock: FakeClock;
  persistence: WorkflowPersistence;
  metrics: GatewayMetrics;
  /** Resolves with the run's next event of `type`. */
  next(runId: string, type: WorkflowEvent["type"]): Promise<WorkflowEvent>;
  /** Starts a run, recording its events from the first. */
  start(request: StartRunRequest): Promise<StartedRun>;
  /** A new engine on the same files (a restart); the old one must be closed first. */
  restart(): Promise<EngineHarness>;
  stop(): Promise<void>;
}

export async function startEngine(
  env: Record<string, string> = {},
  upstream = new FakeUpstream(),
  dataDir = mkdtempSync(join(tmpdir(), "synapse-wf-")),
): Promise<EngineHarness> {
  const config = loadConfig({ SYNAPSE_DATA_DIR: dataDir, ...env });
  const clock = new FakeClock();
  const persistence = await openPersistence(config);
  const metrics = new GatewayMetrics();
  const engine = new WorkflowEngine({
    config,
    upstream,
    streams: new MemoryCheckpointStore(),
    persistence,
    metrics,
    logger: createLogger({ name: "test", level: "silent", format: "json" }),
    clock,
  });
  await engine.start();
  let stopped = false;
  const close = async () => {
    if (stopped) return;
    stopped = true;
    await engine.close();
    await persistence.close();
  };
  return {
    engine,
    upstream,
    clock,
    persistence,
    metrics,
    next: (runId, type) =>
      new Promise((resolve) => {
        const off = engine.events.subscribe(runId, (event) => {
          if (event.type !== type) return;
          off();
          resolve(event);
        });
      }),
    async start(request) {
      const events: WorkflowEvent[] = [];
      const waiters: { match(e: WorkflowEvent): boolean; resolve(e: WorkflowEvent): void }[] = [];
      const run = await engine.startRun(request, (event) => {
        events.push(event);
        for (const w of waiters.filter((w) => w.match(event))) w.resolve(event);
      });
      return {
        id: run.id,
        events,
        until: (type, step) =>
          new Promise((resolve) => {
            const match = (e: WorkflowEvent) =>
              e.type === type && (step === undefined || ("step" in e && e.step === step));
            const seen = events.find(match);
            if (seen !== undefined) resolve(seen);
            else waiters.push({ match, resolve });
          }),
      };
    },
    async restart() {
      await close();
      return startEngine(env, upstream, dataDir);
    },
    async stop() {
      await close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
