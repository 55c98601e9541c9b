/** The `synapse` command line: one subcommand per file under commands/. */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { callCommand } from "./commands/call.js";
import { configCommand } from "./commands/config.js";
import { gatewayCommand } from "./commands/gateway.js";
import { serviceCommand } from "./commands/service.js";
import { servicesCommand } from "./commands/services.js";
import { upCommand } from "./commands/up.js";
import { workflowCommand } from "./commands/workflow.js";

function version(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  const v = (manifest as { version?: unknown }).version;
  return typeof v === "string" ? v : "0.0.0";
}

export function createProgram(): Command {
  return new Command("synapse")
    .description(
      "Synapse: claude (plan, code), gemini (analyze, review) and codex (execute) agent services, " +
        "each a process serving gRPC and JSON-RPC/TCP.",
    )
    .version(version())
    .addCommand(upCommand())
    .addCommand(servicesCommand())
    .addCommand(serviceCommand())
    .addCommand(gatewayCommand())
    .addCommand(callCommand())
    .addCommand(workflowCommand())
    .addCommand(configCommand());
}
