/**
 * The codex executor's default allowlists. They live here, with the configuration schema that
 * documents them as setting defaults; the executor (packages/agents) uses these same values.
 */

/**
 * Programs allowed by default. The rule: a program is in the default set only if it cannot
 * start another program or run code it is given, so the allowlist cannot be stepped around.
 * Left out on purpose, to be opted into with `allowedPrograms` (ideally with bwrap isolation):
 * interpreters and package managers (`node`, `npm`, `npx`, `python3` run arbitrary code),
 * `git` (aliases, hooks and `-c core.pager=` run programs), `env` and `xargs` (run the program
 * named in their arguments), `find` (`-exec`), `sort` (`--compress-program`) and every shell.
 */
export const DEFAULT_ALLOWED_PROGRAMS: readonly string[] = [
  "ls",
  "cat",
  "echo",
  "head",
  "tail",
  "wc",
  "grep",
  "uniq",
  "diff",
  "cut",
  "tr",
  "pwd",
  "true",
  "false",
  "printenv",
  "mkdir",
  "touch",
];

/**
 * Environment variables a command may see (values come from the service's environment; HOME is
 * the workspace). PATH and PWD (the workspace) are always set. Secrets never pass, whatever
 * this list says: see `child-environment.ts`.
 */
export const DEFAULT_ENV_ALLOWLIST: readonly string[] = ["PATH", "HOME", "LANG", "LC_ALL", "TERM", "TZ"];
