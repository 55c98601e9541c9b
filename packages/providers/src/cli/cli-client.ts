/**
 * An LlmClient on a vendor's coding CLI (Claude Code, Gemini CLI, Codex CLI) run headless, for
 * people with a subscription rather than an API key. Each call is one run in a fresh empty
 * directory with a reduced environment; its JSON events become text and usage.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Clock, SynapseError, systemClock } from "@synapse/core";
import { abortError, throwIfAborted } from "../abort.js";
import { collect, type LlmAnswer, type LlmClient, type LlmEvent, type LlmRequest } from "../llm.js";
import { cliEnvironment } from "./cli-environment.js";
import { cliFailure, spawnFailure } from "./cli-errors.js";
import type { CliEvent } from "./cli-event.js";
import { CliProcess } from "./cli-process.js";
import type { CliVendor } from "./cli-vendors.js";

export interface CliClientOptions {
  vendor: CliVendor;
  /** The CLI to run: a path, or a name looked up on PATH. Defaults to the vendor's command name. */
  path?: string;
  /** The model to ask for; empty means the CLI's default (reported as "default"). */
  model?: string;
  /** Where the CLI's variables are taken from. Defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Values for the vendor's own variables (its key from our configuration), used when set. */
  vendorEnv?: Readonly<Record<string, string>>;
  /** Milliseconds before a run is killed. Defaults to 10 minutes. */
  timeoutMs?: number;
  /** The settings a message may point at. */
  pathEnv: string;
  timeoutEnv: string;
  /** Values that must never appear in a message. */
  secrets?: readonly string[];
  clock?: Clock;
}

export class CliClient implements LlmClient {
  readonly provider = "cli";
  readonly model: string;
  readonly #options: CliClientOptions;
  readonly #vendor: CliVendor;
  readonly #path: string;
  readonly #env: Record<string, string>;
  readonly #clock: Clock;

  constructor(options: CliClientOptions) {
    this.#options = options;
    this.#vendor = options.vendor;
    this.#path = options.path || options.vendor.command;
    this.model = options.model || "default";
    this.#clock = options.clock ?? systemClock;
    const v = options.vendor;
    this.#env = cliEnvironment(options.env ?? process.env, v.ownEnv, options.vendorEnv ?? {}, v.fixedEnv);
  }

  async *stream(request: LlmRequest): AsyncGenerator<LlmEvent> {
    const { signal } = request;
    throwIfAborted(signal);
    const cwd = await mkdtemp(join(tmpdir(), "synapse-cli-"));
    const run = new CliProcess({
      file: this.#path,
      args: this.#vendor.args(promptOf(request), this.#options.model ?? ""),
      env: this.#env,
      cwd,
      signal,
      timeoutMs: this.#options.timeoutMs ?? 600_000,
      clock: this.#clock,
    });
    try {
      let result: Extract<CliEvent, { type: "result" }> | undefined;
      let failure: Extract<CliEvent, { type: "failure" }> | undefined;
      const reader = this.#vendor.events();
      for await (const line of run.lines()) {
        const event = parseLine(line);
        if (!event) continue;
        for (const e of reader.read(event)) {
          if (e.type === "text") yield e;
          else if (e.type === "result") result = e;
          else if (e.type === "failure") failure = e;
        }
      }
      const exit = await run.exit();
      if (exit.killed === "cancel" || signal.aborted) throw abortError(signal);
      if (exit.killed === "timeout") {
        throw new SynapseError(
          "DEADLINE_EXCEEDED",
          `The ${this.#vendor.command} CLI did not finish within ${this.#options.timeoutMs ?? 600_000} ms and was stopped; raise ${this.#options.timeoutEnv} or retry.`,
        );
      }
      if (exit.spawnError)
        throw spawnFailure(this.#vendor, this.#path, this.#options.pathEnv, exit.spawnError);
      if (result) {
        yield {
          type: "done",
          usage: result.usage,
          ...(result.final === undefined ? {} : { final: result.final }),
        };
        return;
      }
      const said =
        failure?.message ||
        lastLine(run.stderrTail()) ||
        `it exited with code ${exit.code} without an answer`;
      throw cliFailure(this.#vendor, said, failure?.status, this.#options.secrets ?? []);
    } finally {
      run.kill("cancel");
      await rm(cwd, { recursive: true, force: true });
    }
  }

  complete(request: LlmRequest): Promise<LlmAnswer> {
    return collect(this.stream(request));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The CLIs take one prompt: the role's instructions, then the request. The instructions
 * already ask for JSON in words (CLIs have no schema mode), so `output` adds nothing here.
 */
function promptOf(request: LlmRequest): string {
  return `${request.system}\n\n${request.prompt}`;
}

/** A JSON object line, or undefined for anything else (CLIs may print banners). */
function parseLine(line: string): Record<string, unknown> | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{")) return undefined;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function lastLine(text: string): string {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.slice(-3).join(" ");
}
