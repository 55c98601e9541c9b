/**
 * `synapse service <agent>`: one agent service in this process. The launcher starts one per
 * replica; it is also the container entry point.
 */
import { AGENTS, type AgentName, loadConfig } from "@synapse/core";
import { Argument, Command } from "commander";
import { exitOnParentDisconnect } from "../launcher/parent-link.js";
import { integer } from "../option-parsers.js";

export function serviceCommand(): Command {
  return new Command("service")
    .summary("Run one agent service in this process")
    .description(
      "Run one agent service in this process (gRPC, JSON-RPC/TCP and metrics on the replica's ports) " +
        "until SIGTERM or Ctrl-C, then drain and exit 0.",
    )
    .addArgument(new Argument("<agent>", "the agent").choices(AGENTS))
    .option("--replica <n>", "replica index; its ports are the base ports + 100·n", integer(0, 1_000), 0)
    .action(async (agent: AgentName, options: { replica: number }) => {
      const config = loadConfig(process.env);
      // Started by the launcher: never outlive it, even if it was killed with SIGKILL.
      exitOnParentDisconnect({ graceMs: config.service.drainTimeoutMs + 2_000 });
      // Loaded here, not at the top, so the other commands start without the service's modules.
      const { startServiceProcess } = await import("@synapse/service");
      await startServiceProcess(agent, options.replica);
    });
}
