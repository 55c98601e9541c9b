export { ClaudeEvents } from "./claude-events.js";
export { CliClient, type CliClientOptions } from "./cli-client.js";
export { COMMON_CLI_ENV, cliEnvironment } from "./cli-environment.js";
export type { CliEvent, CliEventReader } from "./cli-event.js";
export { CLI_VENDORS, type CliVendor } from "./cli-vendors.js";
export { CodexEvents } from "./codex-events.js";
export { GeminiEvents } from "./gemini-events.js";
