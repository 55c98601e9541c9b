/** `synapse services`: agent services only, some or all, with a given replica count. */
import { AGENTS, type AgentName, loadConfig } from "@synapse/core";
import { Command, Option } from "commander";
import { planServices } from "../launcher/plan.js";
import { runLauncher } from "../launcher/run.js";
import { integer } from "../option-parsers.js";

export function servicesCommand(): Command {
  return new Command("services")
    .summary("Start agent services only, some or all, until Ctrl-C")
    .description("Start agent services only (no gateway) as child processes, like `up`.")
    .addOption(new Option("--service <name>", "which service").choices(["all", ...AGENTS]).default("all"))
    .option(
      "--replicas <n>",
      "replicas of each (default: <agent>.replicas from configuration)",
      integer(1, 64),
    )
    .action(async (options: { service: "all" | AgentName; replicas?: number }) => {
      const config = loadConfig(process.env);
      const agents = options.service === "all" ? AGENTS : [options.service];
      process.exitCode = await runLauncher(planServices(config, agents, options.replicas), config);
    });
}
