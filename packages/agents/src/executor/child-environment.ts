/**
 * The environment a command sees: only allowlisted names, HOME pointing at its workspace, and
 * never a secret — whatever the allowlist says, so a loose setting cannot leak a key.
 */

/** Names that never reach a command: our own settings and anything that looks like a credential. */
const NEVER_PASSED = /^SYNAPSE_|KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|COOKIE|SESSION/i;

/** Used when the service itself has no PATH, so allowlisted programs can still be found. */
export const FALLBACK_PATH = "/usr/local/bin:/usr/bin:/bin";

/** True when `name` may be configured in the environment allowlist at all. */
export function isPassableName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !NEVER_PASSED.test(name);
}

/**
 * Builds the child's environment from `source`: the allowlisted, passable names that are set,
 * PATH always present, HOME (when allowlisted) and PWD set to `workspace`.
 */
export function childEnvironment(
  source: Readonly<Record<string, string | undefined>>,
  allowlist: readonly string[],
  workspace: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of allowlist) {
    const value = source[name];
    if (value !== undefined && isPassableName(name)) env[name] = value;
  }
  // PATH is always there: programs are looked up on it, and scripts' `#!/usr/bin/env node` need it.
  env.PATH = source.PATH || FALLBACK_PATH;
  if (allowlist.includes("HOME")) env.HOME = workspace;
  // bwrap always sets PWD to the working directory; setting it here too keeps both isolations alike.
  env.PWD = workspace;
  return env;
}
