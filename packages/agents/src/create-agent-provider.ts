/**
 * Builds, once per process, what answers an agent: the provider its configuration names (`auto`
 * resolved against the keys that are set, and the choice logged), the roles with their prompts
 * and answer schemas on top of a model, and for codex the command executor.
 */
import {
  ACTIONS_BY_AGENT,
  type ActionName,
  type AgentName,
  type Clock,
  type Config,
  type Logger,
  simFaultsApply,
} from "@synapse/core";
import {
  createLlmClient,
  createProvider,
  type LlmClient,
  type Provider,
  resolveProvider,
} from "@synapse/providers";
import { AgentProvider } from "./agent-provider.js";
import { CommandExecutor } from "./executor/index.js";
import { fillTemplate, loadPrompts } from "./prompts/prompt-files.js";
import { ANSWER_SCHEMAS, answerFormat, type CommandPlan } from "./roles/answer-schemas.js";
import { type CommandPlanner, ModelCommandPlanner, SimCommandPlanner } from "./roles/command-planners.js";
import { ExecuteRole } from "./roles/execute-role.js";
import { ModelRole } from "./roles/model-role.js";
import { costOf, type UsageRecord } from "./usage.js";

export interface AgentProviderDeps {
  /** Where the choice, prompt overrides and isolation are logged. Defaults to no logs. */
  logger?: Logger;
  /** Where apiKeyEnv and the CLIs' variables are read. Defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** This process's replica: sim's faults apply only on the replicas configured. Defaults to 0. */
  replica?: number;
  /** Use this LLM client instead of the configured provider's (tests). */
  llm?: LlmClient;
  /** Use this sim (tests: a seeded random, a crash hook). */
  sim?: Provider;
  /** Use this executor instead of one built from `config.executor` (codex). */
  executor?: CommandExecutor;
  clock?: Clock;
  /** Called with the usage (and cost) of every model call. */
  onUsage?: (record: UsageRecord) => void;
}

/**
 * The provider for `agent`: sim, or roles on the configured real provider, with codex's
 * execute on the command executor. Throws FAILED_PRECONDITION when a setting the provider needs
 * is missing (a key, a base URL) or a prompt file cannot be read.
 */
export function createAgentProvider(
  agent: AgentName,
  config: Config,
  deps: AgentProviderDeps = {},
): AgentProvider {
  const settings = config[agent];
  const env = deps.env ?? process.env;
  let name: string = "sim";
  let reason = "given";
  let llm = deps.llm;
  if (llm) name = llm.provider;
  else {
    const chosen = resolveProvider(agent, config, env);
    ({ name, reason } = chosen);
    if (chosen.name !== "sim") {
      llm = createLlmClient(chosen.name, agent, config, {
        env,
        ...(deps.clock ? { clock: deps.clock } : {}),
      });
    }
  }
  const sim =
    llm === undefined
      ? (deps.sim ??
        createProvider("sim", settings, {
          faults: simFaultsApply(settings, deps.replica ?? 0),
          ...(deps.clock ? { clock: deps.clock } : {}),
        }))
      : undefined;
  const model = llm?.model ?? sim?.model ?? "";
  deps.logger?.info(
    { agent, provider: name, model, reason },
    `${agent} answers with ${name} (model ${model}): ${reason}`,
  );

  const prices = { inputPerMTok: settings.priceInputPerMTok, outputPerMTok: settings.priceOutputPerMTok };
  const record = (action: ActionName, usage: { inputTokens: number; outputTokens: number }) =>
    deps.onUsage?.({ agent, action, provider: name, model, ...usage, costUsd: costOf(usage, prices) });

  const executor =
    agent === "codex"
      ? (deps.executor ??
        new CommandExecutor({
          dataDir: config.dataDir,
          allowedPrograms: config.executor.allowedPrograms,
          allowShell: config.executor.allowShell,
          envAllowlist: config.executor.envAllowlist,
          timeoutMs: config.executor.timeoutMs,
          outputCapBytes: config.executor.outputCapBytes,
          maxConcurrent: config.executor.maxConcurrent,
          maxWaiting: config.executor.maxWaiting,
          isolation: config.executor.isolation,
          keepWorkspace: config.executor.keepWorkspace,
          env,
          ...(deps.clock ? { clock: deps.clock } : {}),
          ...(deps.logger ? { logger: deps.logger } : {}),
        }))
      : undefined;

  let roles: Map<ActionName, ModelRole> | undefined;
  let planner: CommandPlanner | undefined;
  if (llm) {
    const prompts = loadPrompts(agent, config.promptsDir);
    const overridden = [...prompts].filter(([, p]) => p.source === "override").map(([a]) => a);
    if (overridden.length > 0) {
      deps.logger?.info(
        { agent, overridden },
        `${agent} prompts overridden from ${config.promptsDir}: ${overridden.join(", ")}`,
      );
    }
    const values = { allowedPrograms: config.executor.allowedPrograms.join(", ") };
    roles = new Map();
    for (const action of ACTIONS_BY_AGENT[agent]) {
      const answer = ANSWER_SCHEMAS[action];
      const instructions = fillTemplate(prompts.get(action)?.text ?? "", values);
      roles.set(
        action,
        new ModelRole({
          llm,
          system: `${instructions}\n\n${answerFormat(answer)}`,
          answer,
          modelEnv: `SYNAPSE_${agent.toUpperCase()}_MODEL`,
          onUsage: (usage) => record(action, usage),
        }),
      );
    }
    const execute = roles.get("execute");
    if (execute) planner = new ModelCommandPlanner(execute as unknown as ModelRole<CommandPlan>);
  } else if (sim && executor) {
    planner = new SimCommandPlanner(sim, new Set(config.executor.allowedPrograms), (usage) =>
      record("execute", usage),
    );
  }

  return new AgentProvider({
    name,
    model,
    ...(roles ? { roles } : {}),
    ...(sim ? { sim, onSimUsage: record } : {}),
    ...(executor && planner ? { execute: new ExecuteRole(executor, planner) } : {}),
    ...(llm ? { llm } : {}),
    ...(executor ? { executor } : {}),
  });
}
