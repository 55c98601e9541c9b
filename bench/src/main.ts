/**
 * `npm run bench [-- --quick | --smoke] [--out DIR] [--markdown FILE | --no-markdown]
 * [--render RESULTS.json] [--only SCENARIO,...] [--set KEY=VALUE]...`: runs the benchmarks (with --render, takes an earlier run's results
 * instead), prints the tables, writes the JSON results (bench/results/<timestamp>.json by
 * default) and refreshes the generated block of BENCHMARKS.md. Exits 1 when a scenario could
 * not run (missed targets are results, not errors). `--only memory,overhead` runs just those
 * scenarios (of SCENARIOS in run.ts) and leaves BENCHMARKS.md alone: a partial run is for a
 * first look while working on one target, not a result.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "./machine.js";
import { MODES } from "./modes.js";
import { stopAll } from "./processes/child.js";
import { markdownBlock, textTables, writeMarkdown } from "./report/render.js";
import { resultTables } from "./report/tables.js";
import type { BenchResults } from "./results.js";
import { runBench, SCENARIOS } from "./run.js";
import { settingsOf } from "./settings-arg.js";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    smoke: { type: "boolean", default: false },
    out: { type: "string", default: join(REPO_ROOT, "bench", "results") },
    markdown: { type: "string", default: join(REPO_ROOT, "BENCHMARKS.md") },
    "no-markdown": { type: "boolean", default: false },
    /** Render the tables and BENCHMARKS.md from an earlier results file instead of running. */
    render: { type: "string" },
    only: { type: "string" },
    /** `KEY=VALUE` settings for every Synapse process of the run (repeatable), e.g. to compare a setting. */
    set: { type: "string", multiple: true, default: [] },
  },
});
const sizes = MODES[values.smoke ? "smoke" : values.quick ? "quick" : "full"];
const log = (m: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping every process started`);
    void stopAll(1_000).then(() => process.exit(130));
  });
}

const only = values.only?.split(",").map((s) => s.trim());
const unknown = only?.filter((s) => !(SCENARIOS as readonly string[]).includes(s)) ?? [];
if (unknown.length > 0) {
  process.stderr.write(
    `--only: unknown scenario ${unknown.join(", ")}; choose from ${SCENARIOS.join(", ")}\n`,
  );
  process.exit(2);
}
const results: BenchResults =
  values.render === undefined
    ? await runBench(sizes, log, only && new Set(only), settingsOf(values.set))
    : JSON.parse(readFileSync(values.render, "utf8"));
const tables = resultTables(results);
process.stdout.write(`${textTables(tables)}\n`);

let file = values.render ?? "";
if (values.render === undefined) {
  mkdirSync(values.out, { recursive: true });
  file = join(values.out, `${results.startedAt.replaceAll(":", "-")}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  log(`results: ${file}`);
}
if (!values["no-markdown"] && only === undefined && values.set.length === 0) {
  writeMarkdown(values.markdown, markdownBlock(results, tables, relative(REPO_ROOT, file)));
  log(`markdown: ${values.markdown}`);
}
const failures = results.notes.filter((n) => n.includes(" failed: "));
process.exitCode = failures.length > 0 ? 1 : 0;
