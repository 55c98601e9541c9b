/** `synapse call <agent> <action> [text]`: one call to a running agent service, printed. */
import {
  type AgentRequest,
  type AgentResponse,
  assertAgentAction,
  loadConfig,
  newRequestId,
  SynapseError,
  TRANSPORTS,
  type TransportName,
} from "@synapse/core";
import { Argument, Command, Option } from "commander";
import type { AgentClient } from "../call/agent-client.js";
import { buildInput } from "../call/call-input.js";
import { isListening } from "../call/is-listening.js";
import { dim, formatFooter, renderResponse, useColor } from "../call/render-response.js";
import { resolveTarget, type Target } from "../call/target.js";
import { integer } from "../option-parsers.js";

interface CallOptions {
  transport?: TransportName;
  stream?: boolean;
  input?: string;
  command?: string;
  host?: string;
  port?: number;
  replica: number;
  timeout?: number;
  json?: boolean;
}

export function callCommand(): Command {
  return new Command("call")
    .summary("Call an agent service and print the answer")
    .description(
      "Call an agent service: claude plan|code, gemini analyze|review, codex execute. The text fills the " +
        "action's main field (task, text, code or command; - reads standard input).",
    )
    .addArgument(new Argument("<agent>", "claude, gemini or codex"))
    .addArgument(new Argument("<action>", "plan, code, analyze, review or execute"))
    .addArgument(new Argument("[text]", "the task, text, code or command"))
    .addOption(
      new Option("--transport <name>", "grpc or tcp (default: client.transport)").choices(TRANSPORTS),
    )
    .option("--stream", "print the answer as it is produced")
    .option("--input <json>", "the whole input as a JSON object instead of the text")
    .option("--command <cmd>", "the command for codex execute (the text is then its task)")
    .option("--host <host>", "the service's host (default: from host in the configuration)")
    .option(
      "--port <port>",
      "the service's port (default: the agent's port for the transport)",
      integer(1, 65_535),
    )
    .option("--replica <n>", "which replica's port to use", integer(0, 1_000), 0)
    .option("--timeout <ms>", "deadline of the call in milliseconds (default: client.timeoutMs)", integer(1))
    .option("--json", "print the response as JSON (with --stream: one event per line)")
    .action(
      async (agentArg: string, actionArg: string, textArg: string | undefined, options: CallOptions) => {
        const config = loadConfig(process.env);
        const { agent, action } = assertAgentAction(agentArg, actionArg);
        const text = textArg === "-" ? await readStdin() : textArg;
        const input = buildInput(action, text, {
          ...(options.input === undefined ? {} : { input: options.input }),
          ...(options.command === undefined ? {} : { command: options.command }),
        });
        const target = resolveTarget(config, agent, options);
        const request: AgentRequest = { agent, action, input, requestId: newRequestId() };
        const deadline = Date.now() + (options.timeout ?? config.client.timeoutMs);
        // The transports (grpc-js among them) load only for this command, keeping the others quick.
        const { openClient } = await import("../call/agent-client.js");
        const client = openClient(target, config);
        try {
          if (options.stream) await printStream(client, request, deadline, options.json === true);
          else printResponse(await client.invoke(request, { deadline }), options.json === true);
        } catch (err) {
          throw await explain(SynapseError.from(err), target);
        } finally {
          await client.close();
        }
      },
    );
}

function printResponse(response: AgentResponse, json: boolean): void {
  process.stdout.write(
    json ? `${JSON.stringify(response, null, 2)}\n` : renderResponse(response, useColor(process.stdout)),
  );
}

async function printStream(client: AgentClient, request: AgentRequest, deadline: number, json: boolean) {
  let endsLine = true;
  for await (const event of client.stream(request, { deadline })) {
    if (json) {
      process.stdout.write(`${JSON.stringify(event)}\n`);
    } else if (event.type === "chunk") {
      process.stdout.write(event.text);
      if (event.text !== "") endsLine = event.text.endsWith("\n");
    } else {
      const footer = dim(formatFooter(event.response), useColor(process.stdout));
      process.stdout.write(`${endsLine ? "" : "\n"}${footer}\n`);
    }
  }
}

/** A connection failure says whether anything listens there, and how to start the services if not. */
async function explain(err: SynapseError, target: Target): Promise<SynapseError> {
  if (err.code !== "UNAVAILABLE" || (await isListening(target.host, target.port))) return err;
  const over = target.transport === "grpc" ? "gRPC" : "JSON-RPC/TCP";
  return new SynapseError(
    "UNAVAILABLE",
    `nothing listens at ${target.address} (${target.label}, ${over}): is it running? Start it with \`npm start\`.`,
    { cause: err },
  );
}

async function readStdin(): Promise<string> {
  let text = "";
  process.stdin.setEncoding("utf8");
  for await (const chunk of process.stdin) text += chunk;
  return text;
}
