/**
 * What answers an agent service's calls, as the one Provider interface the service runs: the
 * roles on a model (an LLM client) or sim, plus, for codex, the execute role on the command
 * executor. It reports the usage of every model call and says which isolation is in force.
 */
import type { ActionInput, ActionName, Usage } from "@synapse/core";
import { SynapseError } from "@synapse/core";
import {
  type Completion,
  complete,
  type LlmClient,
  type Provider,
  type ProviderCall,
  type ProviderEvent,
} from "@synapse/providers";
import type { CommandExecutor } from "./executor/index.js";
import type { ExecuteRole } from "./roles/execute-role.js";
import type { ModelRole } from "./roles/model-role.js";
import { userPrompt } from "./roles/user-prompts.js";

export interface AgentProviderParts {
  name: string;
  model: string;
  /** The roles on a model, by action; absent when sim answers. */
  roles?: ReadonlyMap<ActionName, ModelRole>;
  /** sim, when it answers. */
  sim?: Provider;
  /** Codex's execute. */
  execute?: ExecuteRole;
  /** Called with each answer's usage when sim answers (roles report their own). */
  onSimUsage?: (action: ActionName, usage: Usage) => void;
  /** Closed with the provider. */
  llm?: LlmClient;
  executor?: CommandExecutor;
}

export class AgentProvider implements Provider {
  readonly name: string;
  readonly model: string;
  /** "bwrap" or "process" where commands run (codex), "none" otherwise. */
  readonly isolation: string;
  readonly #parts: AgentProviderParts;
  #closing: Promise<void> | undefined;

  constructor(parts: AgentProviderParts) {
    this.#parts = parts;
    this.name = parts.name;
    this.model = parts.model;
    this.isolation = parts.executor?.isolation() ?? "none";
  }

  stream(call: ProviderCall): AsyncIterable<ProviderEvent> {
    const { execute, roles, sim } = this.#parts;
    if (call.action === "execute" && execute) return execute.stream(call);
    const role = roles?.get(call.action);
    if (role) return this.#role(role, call);
    if (sim) return this.#sim(sim, call);
    throw new SynapseError("UNIMPLEMENTED", `${this.name} has no ${call.action} role here.`);
  }

  async complete(call: ProviderCall): Promise<Completion> {
    const { execute, roles, sim } = this.#parts;
    if (call.action === "execute" && execute) return gather(execute.stream(call));
    const role = roles?.get(call.action);
    if (role) {
      const answer = await role.complete(
        userPrompt(call.action, call.input as ActionInput[ActionName]),
        call.signal,
      );
      return { text: answer.text, result: answer.result, usage: answer.usage };
    }
    if (sim) {
      // sim answers whole when asked to (no generator round trip per token).
      const done = await complete(sim, call);
      this.#parts.onSimUsage?.(call.action, done.usage);
      return done;
    }
    return gather(this.stream(call));
  }

  /** Stops running commands and releases connections. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#parts.executor?.close();
      await this.#parts.llm?.close();
    })();
    return this.#closing;
  }

  #role(role: ModelRole, call: ProviderCall): AsyncIterable<ProviderEvent> {
    if (call.continuation) return refuseContinuation(this.name);
    // The role's own generator, not one delegating to it: each level costs every chunk its promises.
    return role.stream(userPrompt(call.action, call.input as ActionInput[ActionName]), call.signal);
  }

  #sim(sim: Provider, call: ProviderCall): AsyncIterable<ProviderEvent> {
    const onUsage = this.#parts.onSimUsage;
    if (onUsage === undefined) return sim.stream(call);
    return onDone(sim.stream(call), (usage) => onUsage(call.action, usage));
  }
}

/**
 * `events` as they are, calling `onUsage` as the `done` event passes. A forwarding iterator rather
 * than an async generator: a generator level costs every token of a stream its own promises and
 * resumption: a 78-chunk sim stream through the service core in process went from 123 to 99–108 µs
 * of CPU without it.
 */
function onDone(
  events: AsyncIterable<ProviderEvent>,
  onUsage: (usage: Usage) => void,
): AsyncIterable<ProviderEvent> {
  return {
    [Symbol.asyncIterator]() {
      const inner = events[Symbol.asyncIterator]();
      const seen = (result: IteratorResult<ProviderEvent>) => {
        if (result.done !== true && result.value.type === "done") onUsage(result.value.usage);
        return result;
      };
      return {
        next: () => inner.next().then(seen),
        return: (value?: unknown) =>
          inner.return?.(value) ?? Promise.resolve({ done: true as const, value: undefined }),
      };
    },
  };
}

/** A stream that fails, when read, because a model's answer cannot be continued elsewhere. */
// biome-ignore lint/correctness/useYield: it only throws, on the first read like any stream's error.
async function* refuseContinuation(name: string): AsyncGenerator<ProviderEvent> {
  throw new SynapseError(
    "FAILED_PRECONDITION",
    `A ${name} answer cannot be continued on another replica (a model does not repeat itself); resume the stream where it ran, or call again.`,
  );
}

/** A stream gathered into one answer. */
async function gather(events: AsyncIterable<ProviderEvent>): Promise<Completion> {
  let text = "";
  for await (const event of events) {
    if (event.type === "text") text += event.text;
    else return { text, result: event.result, usage: event.usage };
  }
  throw new SynapseError("INTERNAL", "The answer ended without a result.");
}
