/**
 * The environment a vendor CLI runs with: built up from an allowlist rather than filtered down,
 * so our settings (SYNAPSE_*) and other vendors' keys cannot reach it.
 */

/** What any CLI needs to find programs, its login state under HOME, the locale and a proxy. */
export const COMMON_CLI_ENV: readonly string[] = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "LANG",
  "LC_ALL",
  "LC_CTYPE",
  "TERM",
  "TZ",
  "TMPDIR",
  "XDG_CONFIG_HOME",
  "XDG_CACHE_HOME",
  "XDG_DATA_HOME",
  "XDG_STATE_HOME",
  "HTTPS_PROXY",
  "HTTP_PROXY",
  "NO_PROXY",
  "https_proxy",
  "http_proxy",
  "no_proxy",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
];

/**
 * The variables named in COMMON_CLI_ENV and `own` that are set in `source` or `values` (values
 * win), plus `fixed`. Never a SYNAPSE_* name, whatever the lists say.
 */
export function cliEnvironment(
  source: Readonly<Record<string, string | undefined>>,
  own: readonly string[],
  values: Readonly<Record<string, string>>,
  fixed: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...COMMON_CLI_ENV, ...own]) {
    if (name.startsWith("SYNAPSE_")) continue;
    const value = values[name] || source[name];
    if (value) env[name] = value;
  }
  return { ...env, ...fixed };
}
