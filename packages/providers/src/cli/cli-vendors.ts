/**
 * How each vendor's coding CLI is run headless: its command, its arguments, the environment it
 * may see and the reader of its JSON events.
 */
import type { AgentName } from "@synapse/core";
import { ClaudeEvents } from "./claude-events.js";
import type { CliEventReader } from "./cli-event.js";
import { CodexEvents } from "./codex-events.js";
import { GeminiEvents } from "./gemini-events.js";

export interface CliVendor {
  /** The CLI's usual command name, also its name in messages: "claude", "gemini", "codex". */
  readonly command: string;
  /** Arguments for one headless run; `model` is empty for the CLI's own default. */
  args(prompt: string, model: string): string[];
  /** Variables of its own the CLI may see besides the common ones (keys only when set). */
  readonly ownEnv: readonly string[];
  /** Variables always set for it. */
  readonly fixedEnv: Readonly<Record<string, string>>;
  /** How a user logs it in, for UNAUTHENTICATED messages. */
  readonly loginHint: string;
  events(): CliEventReader;
}

const model = (flag: string, name: string) => (name ? [flag, name] : []);

export const CLI_VENDORS: Readonly<Record<AgentName, CliVendor>> = {
  claude: {
    command: "claude",
    // --include-partial-messages streams the model's token deltas, not only whole messages.
    args: (prompt, m) => [
      "-p",
      prompt,
      "--output-format",
      "stream-json",
      "--verbose",
      "--include-partial-messages",
      ...model("--model", m),
    ],
    ownEnv: ["ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "ANTHROPIC_BASE_URL", "CLAUDE_CONFIG_DIR"],
    fixedEnv: {},
    loginHint: "run `claude` once and /login, or set ANTHROPIC_API_KEY",
    events: () => new ClaudeEvents(),
  },
  gemini: {
    command: "gemini",
    args: (prompt, m) => ["-p", prompt, "-o", "stream-json", ...model("-m", m)],
    ownEnv: [
      "GEMINI_API_KEY",
      "GOOGLE_API_KEY",
      "GOOGLE_CLOUD_PROJECT",
      "GOOGLE_CLOUD_LOCATION",
      "GOOGLE_APPLICATION_CREDENTIALS",
      "GOOGLE_GENAI_USE_VERTEXAI",
      "GOOGLE_GENAI_USE_GCA",
    ],
    // Headless runs in a directory it has not seen before need the trust prompt answered.
    fixedEnv: { GEMINI_CLI_TRUST_WORKSPACE: "true" },
    loginHint: "run `gemini` once to log in, or set GEMINI_API_KEY",
    events: () => new GeminiEvents(),
  },
  codex: {
    command: "codex",
    // The model only answers here (our executor runs commands), so Codex's sandbox is read-only
    // and the session is not kept; `--` keeps a prompt starting with "-" from being read as a flag.
    args: (prompt, m) => [
      "exec",
      "--json",
      "--skip-git-repo-check",
      "--ephemeral",
      "-s",
      "read-only",
      ...model("-m", m),
      "--",
      prompt,
    ],
    ownEnv: ["OPENAI_API_KEY", "CODEX_API_KEY", "CODEX_HOME", "OPENAI_BASE_URL"],
    fixedEnv: {},
    loginHint: "run `codex login`, or set OPENAI_API_KEY",
    events: () => new CodexEvents(),
  },
};
