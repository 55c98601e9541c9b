/**
 * Claude Code's `--output-format stream-json --verbose` events (see
 * /work/shared/fixtures/cli-stream-samples/claude-*.jsonl): `system/init` names the model;
 * with `--include-partial-messages`, `stream_event` carries the API's own deltas; each
 * `assistant` message repeats its whole text (used only when no delta came for it); `result`
 * ends the run with the usage, or `is_error` and the CLI's message.
 */
import { type CliEvent, type CliEventReader, num, obj, str } from "./cli-event.js";

export class ClaudeEvents implements CliEventReader {
  /** Messages whose text already arrived as deltas. */
  readonly #streamed = new Set<string>();
  #current: string | undefined;
  #lastTextMessage: string | undefined;

  read(event: Record<string, unknown>): CliEvent[] {
    switch (event.type) {
      case "system": {
        const model = str(event.model);
        return event.subtype === "init" && model ? [{ type: "model", model }] : [];
      }
      case "stream_event":
        return this.#partial(obj(event.event));
      case "assistant": {
        const message = obj(event.message);
        const id = str(message.id) ?? "";
        if (this.#streamed.has(id)) return [];
        const content = Array.isArray(message.content) ? message.content : [];
        const text = content
          .map((c) => obj(c))
          .filter((c) => c.type === "text")
          .map((c) => str(c.text) ?? "")
          .join("");
        return text ? [this.#text(id, text)] : [];
      }
      case "result":
        return [this.#result(event)];
      default:
        return [];
    }
  }

  #partial(e: Record<string, unknown>): CliEvent[] {
    if (e.type === "message_start") this.#current = str(obj(e.message).id);
    if (e.type !== "content_block_delta") return [];
    const delta = obj(e.delta);
    const text = str(delta.text);
    if (delta.type !== "text_delta" || !text) return [];
    const id = this.#current ?? "";
    this.#streamed.add(id);
    return [this.#text(id, text)];
  }

  /** Text of a new message is set apart from the previous message's by a blank line. */
  #text(id: string, text: string): CliEvent {
    const first = this.#lastTextMessage === undefined || this.#lastTextMessage === id;
    this.#lastTextMessage = id;
    return { type: "text", text: first ? text : `\n\n${text}` };
  }

  #result(event: Record<string, unknown>): CliEvent {
    if (event.is_error === true || event.subtype !== "success") {
      const errors = Array.isArray(event.errors) ? event.errors.filter((e) => typeof e === "string") : [];
      const message = str(event.result) || errors.join("; ") || `the run ended with ${String(event.subtype)}`;
      const status = num(event.api_error_status);
      return { type: "failure", message, ...(status > 0 ? { status } : {}) };
    }
    const usage = obj(event.usage);
    const final = str(event.result);
    return {
      type: "result",
      usage: {
        // Cache reads and writes are input too; Claude Code reports them apart.
        inputTokens:
          num(usage.input_tokens) +
          num(usage.cache_creation_input_tokens) +
          num(usage.cache_read_input_tokens),
        outputTokens: num(usage.output_tokens),
      },
      ...(final === undefined ? {} : { final }),
    };
  }
}
