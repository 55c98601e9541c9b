/**
 * Codex CLI's `exec --json` events (see codex.jsonl): completed `agent_message` items carry the
 * text (whole messages, no deltas); `error` items are warnings (e.g. missing model metadata);
 * `turn.completed` ends the run with the usage; `turn.failed` and top-level `error` events
 * report failures (a later completed turn wins: Codex reports reconnects as errors too).
 */
import { type CliEvent, type CliEventReader, num, obj, str } from "./cli-event.js";

export class CodexEvents implements CliEventReader {
  #final: string | undefined;

  read(event: Record<string, unknown>): CliEvent[] {
    switch (event.type) {
      case "item.completed": {
        const item = obj(event.item);
        const text = str(item.text);
        if (item.type !== "agent_message" || !text) return [];
        const first = this.#final === undefined;
        this.#final = text;
        return [{ type: "text", text: first ? text : `\n\n${text}` }];
      }
      case "turn.completed": {
        const usage = obj(event.usage);
        return [
          {
            type: "result",
            usage: { inputTokens: num(usage.input_tokens), outputTokens: num(usage.output_tokens) },
            ...(this.#final === undefined ? {} : { final: this.#final }),
          },
        ];
      }
      case "turn.failed":
        return [{ type: "failure", message: str(obj(event.error).message) ?? "the turn failed" }];
      case "error":
        return [{ type: "failure", message: str(event.message) ?? "the CLI reported an error" }];
      default:
        return [];
    }
  }
}
