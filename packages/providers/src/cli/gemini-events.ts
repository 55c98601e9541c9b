/**
 * Gemini CLI's `-o stream-json` events (see gemini-stream.jsonl): `init` names the model,
 * assistant `message`s carry the text (deltas), `error` events report problems (warnings are
 * not failures), and `result` ends the run with its status and token stats.
 */
import { type CliEvent, type CliEventReader, num, obj, str } from "./cli-event.js";

export class GeminiEvents implements CliEventReader {
  read(event: Record<string, unknown>): CliEvent[] {
    switch (event.type) {
      case "init": {
        const model = str(event.model);
        return model ? [{ type: "model", model }] : [];
      }
      case "message": {
        const text = str(event.content);
        return event.role === "assistant" && text ? [{ type: "text", text }] : [];
      }
      case "error":
        return event.severity === "warning"
          ? []
          : [{ type: "failure", message: str(event.message) ?? "the CLI reported an error" }];
      case "result": {
        if (event.status !== "success") {
          const error = obj(event.error);
          return [
            { type: "failure", message: str(error.message) ?? `the run ended with ${String(event.status)}` },
          ];
        }
        const stats = obj(event.stats);
        return [
          {
            type: "result",
            usage: {
              inputTokens: num(stats.input_tokens) || num(stats.input),
              outputTokens: num(stats.output_tokens),
            },
          },
        ];
      }
      default:
        return [];
    }
  }
}
