/** `synapse config`: the effective configuration, every setting with its variable and value. */
import { describeConfig, loadConfig } from "@synapse/core";
import { Command } from "commander";
import { formatTable } from "../text-table.js";

export function configCommand(): Command {
  return new Command("config")
    .summary("Print the effective configuration")
    .description(
      "Print the effective configuration (defaults, SYNAPSE_CONFIG file, SYNAPSE_* variables); secrets are masked.",
    )
    .option("--all", "add each setting's description")
    .option("--json", "print JSON: [{path, env, value, doc}]")
    .action((options: { all?: boolean; json?: boolean }) => {
      const rows = describeConfig(loadConfig(process.env));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      // Descriptions make the lines too long for most terminals, so they are on request.
      const header = options.all ? ["path", "env", "value", "doc"] : ["path", "env", "value"];
      const cells = rows.map((r) =>
        options.all ? [r.path, r.env, r.value, r.doc] : [r.path, r.env, r.value],
      );
      process.stdout.write(formatTable(header, cells));
    });
}
