/**
 * `synapse workflow "<task>"`: runs a workflow on the gateway and shows it live — each step with a
 * spinner and its elapsed time, the streamed text, and a summary at the end (plain lines when
 * standard output is not a terminal). Exits 0 when the run succeeds, 1 otherwise.
 */
import { loadConfig, SynapseError } from "@synapse/core";
import { Argument, Command } from "commander";
import { formatTable } from "../text-table.js";
import { GatewayClient, type ProgressEvent, type RunState } from "../workflow/gateway-client.js";
import { plainProgress, seconds, ttyProgress } from "../workflow/progress.js";

interface WorkflowOptions {
  url?: string;
  workflow?: string;
  input?: string;
  approval?: boolean;
  follow?: string;
  apiKey?: string;
  text: boolean;
  json?: boolean;
}

export function workflowCommand(): Command {
  return new Command("workflow")
    .summary("Run a multi-agent workflow on the gateway and show its progress")
    .description(
      "Run a workflow on the gateway (default: claude plan → claude code → gemini review, back to code " +
        "while changes are requested → codex execute) and show each step live, then a summary.",
    )
    .addArgument(new Argument("[task]", "the task (input.task)"))
    .option("--url <url>", "the gateway (default: http://127.0.0.1:<gateway.port>)")
    .option("--workflow <name>", "a custom workflow by name (default: default)")
    .option("--input <json>", "the workflow's input as a JSON object (the task is added as input.task)")
    .option("--approval", "wait for approval before execute steps (the command prints how to approve)")
    .option("--follow <runId>", "follow a run already started (e.g. after a gateway restart)")
    .option("--api-key <key>", "Bearer token, when the gateway requires API keys")
    .option("--no-text", "hide the streamed text; show steps and the summary only")
    .option("--json", "print the progress events as JSON lines")
    .action(async (task: string | undefined, options: WorkflowOptions) => {
      const config = loadConfig(process.env);
      const url = (options.url ?? `http://127.0.0.1:${config.gateway.port}`).replace(/\/+$/, "");
      const client = new GatewayClient(url, options.apiKey);
      const events =
        options.follow !== undefined ? client.follow(options.follow) : client.start(startBody(task, options));
      const out = process.stdout;
      const progress = options.json
        ? { event: (e: ProgressEvent) => out.write(`${JSON.stringify(e)}\n`), close() {} }
        : (out.isTTY ? ttyProgress : plainProgress)({ out, url, text: options.text });
      let runId = options.follow;
      let last: ProgressEvent | undefined;
      try {
        for await (const event of events) {
          runId ??= event.runId;
          last = event;
          progress.event(event);
        }
      } catch (err) {
        if (runId === undefined || err instanceof SynapseError) throw err;
        // The connection broke mid-run (the gateway restarted?): the run goes on without us.
        throw new SynapseError(
          "UNAVAILABLE",
          `lost the connection to the gateway while run ${runId} was in progress; the run goes on ` +
            `(a restarted gateway resumes it): follow it with \`synapse workflow --follow ${runId}\`.`,
        );
      } finally {
        progress.close();
      }
      if (runId === undefined)
        throw new SynapseError("UNAVAILABLE", "the gateway closed the stream before the run started.");
      const run = await client.run(runId);
      if (!options.json) out.write(summary(run));
      if (run.status === "running" || run.status === "awaiting_approval") {
        throw new SynapseError(
          "UNAVAILABLE",
          `the progress stream ended while the run is ${run.status}${last?.type === "run_finished" ? "" : " (the gateway went away?)"}; follow it again with \`synapse workflow --follow ${runId}\`.`,
        );
      }
      if (run.status !== "succeeded") {
        throw new SynapseError(
          run.error?.code === undefined ? "ABORTED" : (run.error.code as never),
          `run ${run.id} ${run.status}: ${run.error?.message ?? "no reason given"}`,
        );
      }
    });
}

function startBody(task: string | undefined, options: WorkflowOptions): Record<string, unknown> {
  let input: Record<string, unknown> = {};
  if (options.input !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(options.input);
    } catch {
      throw new SynapseError(
        "INVALID_ARGUMENT",
        '--input is not JSON; give an object such as \'{"code": "x = 1"}\'.',
      );
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new SynapseError("INVALID_ARGUMENT", "--input must be a JSON object.");
    input = parsed as Record<string, unknown>;
  }
  if (task !== undefined) input.task = task;
  if (Object.keys(input).length === 0)
    throw new SynapseError(
      "INVALID_ARGUMENT",
      'give a task (synapse workflow "Add a --json flag") or --input.',
    );
  return {
    input,
    ...(options.workflow === undefined ? {} : { workflow: options.workflow }),
    ...(options.approval ? { approval: true } : {}),
  };
}

/** The run's outcome, then a table of its steps with their rounds and times. */
export function summary(run: RunState): string {
  const rounds = Object.entries(run.rounds)
    .map(([step, n]) => `${step} rounds: ${n}`)
    .join(", ");
  const head = `run ${run.id} ${run.status} in ${seconds(run.durationMs)} — ${run.steps.length} step(s)${rounds ? `, ${rounds}` : ""}\n`;
  const rows = run.steps.map((s) => [
    s.step,
    `${s.agent}.${s.action}`,
    String(s.round),
    s.status,
    seconds(s.durationMs),
  ]);
  return `${head}${formatTable(["step", "agent.action", "round", "status", "time"], rows)
    .split("\n")
    .map((l) => (l === "" ? l : `  ${l}`))
    .join("\n")}`;
}
