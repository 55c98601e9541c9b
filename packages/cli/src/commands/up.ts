/** `synapse up`: the whole system in the foreground, until Ctrl-C. */
import { loadConfig } from "@synapse/core";
import { Command } from "commander";
import { planSystem } from "../launcher/plan.js";
import { runLauncher } from "../launcher/run.js";

export function upCommand(): Command {
  return new Command("up")
    .summary("Start the agent services and the gateway until Ctrl-C")
    .description(
      "Start the agent services (<agent>.replicas each) and the gateway as child processes, wait until " +
        "all are ready, print where they listen, and stop them all on Ctrl-C or SIGTERM.",
    )
    .action(async () => {
      const config = loadConfig(process.env);
      process.exitCode = await runLauncher(planSystem(config), config);
    });
}
