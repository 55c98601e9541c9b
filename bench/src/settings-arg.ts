/** `--set SYNAPSE_NAME=value` (repeatable) for main.ts and profile.ts: settings every Synapse process of a run gets. */

/** The settings named by `pairs`; a malformed one ends the process with exit 2 and says why. */
export function settingsOf(pairs: readonly string[]): Record<string, string> {
  const bad = pairs.filter((kv) => !/^SYNAPSE_[A-Z0-9_]+=/.test(kv));
  if (bad.length > 0) {
    process.stderr.write(`--set: expected SYNAPSE_NAME=value, got ${bad.join(", ")}\n`);
    process.exit(2);
  }
  return Object.fromEntries(pairs.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
}
