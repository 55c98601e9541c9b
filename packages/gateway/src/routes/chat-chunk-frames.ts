/**
 * The SSE frames of a streamed `/v1/chat/completions` answer (`chat.completion.chunk` events).
 * A content frame is the same bytes JSON.stringify would give for the whole object, built from a
 * prefix and suffix made once per stream around the chunk's text: the sim streams one frame per
 * token, and stringifying the object each time was about 6 % of the gateway's CPU per stream.
 */

export class ChatChunkFrames {
  readonly #base: Record<string, unknown>;
  readonly #contentHead: string;
  readonly #contentTail = `},"finish_reason":null}]}\n\n`;

  constructor(id: string, created: number, model: string) {
    this.#base = { id, object: "chat.completion.chunk", created, model };
    const head = JSON.stringify(this.#base).slice(0, -1);
    this.#contentHead = `data: ${head},"choices":[{"index":0,"delta":{"content":`;
  }

  /** A frame with `delta`, `finish_reason` and any extra top-level fields (usage). */
  frame(delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}): string {
    const body = { ...this.#base, choices: [{ index: 0, delta, finish_reason: finish }], ...extra };
    return `data: ${JSON.stringify(body)}\n\n`;
  }

  /** `frame({ content: text }, null)`, without building and stringifying the object. */
  content(text: string): string {
    return this.#contentHead + JSON.stringify(text) + this.#contentTail;
  }
}
