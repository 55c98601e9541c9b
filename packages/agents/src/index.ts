export { AgentProvider, type AgentProviderParts } from "./agent-provider.js";
export { type AgentProviderDeps, createAgentProvider } from "./create-agent-provider.js";
export * from "./executor/index.js";
export {
  fillTemplate,
  type LoadedPrompt,
  loadPrompts,
  promptFileName,
  SHIPPED_PROMPTS_DIR,
} from "./prompts/prompt-files.js";
export {
  ANSWER_SCHEMAS,
  type AnswerSchema,
  answerFormat,
  type CommandPlan,
  CommandPlanSchema,
} from "./roles/answer-schemas.js";
export {
  type CommandPlanner,
  ModelCommandPlanner,
  type PlannedCommands,
  SimCommandPlanner,
} from "./roles/command-planners.js";
export { ExecuteRole } from "./roles/execute-role.js";
export { ModelRole, type ModelRoleOptions, type RoleEvent, repairPrompt } from "./roles/model-role.js";
export { type Checked, checkAnswer, findJson } from "./roles/structured-answer.js";
export { transcriptOf } from "./roles/transcript.js";
export { fence, userPrompt } from "./roles/user-prompts.js";
export { costOf, type Prices, type UsageRecord } from "./usage.js";
