/** `synapse gateway`: the HTTP gateway in this process (what `synapse up` starts after the services). */
import { loadConfig } from "@synapse/core";
import { Command } from "commander";
import { exitOnParentDisconnect } from "../launcher/parent-link.js";

export function gatewayCommand(): Command {
  return new Command("gateway")
    .summary("Run the HTTP gateway in this process")
    .description(
      "Run the HTTP gateway in this process (API, SSE, OpenAI-compatible endpoints, /metrics, /docs) " +
        "in front of the agent services, until SIGTERM or Ctrl-C.",
    )
    .action(async () => {
      const config = loadConfig(process.env);
      // Started by the launcher: never outlive it, even if it was killed with SIGKILL.
      exitOnParentDisconnect({ graceMs: config.service.drainTimeoutMs + 2_000 });
      // Loaded here, not at the top: the gateway's modules take a while to load, and only it needs them.
      const { startGatewayProcess } = await import("@synapse/gateway");
      await startGatewayProcess();
    });
}
