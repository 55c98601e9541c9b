/** The streamed Chat Completions frames (routes/chat-chunk-frames.ts). */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ChatChunkFrames } from "../src/routes/chat-chunk-frames.js";

test("a content frame is byte for byte the stringified chunk object, whatever the text, id or model", () => {
  fc.assert(
    fc.property(
      fc.string(),
      fc.string(),
      fc.nat(),
      fc.string({ unit: "binary" }),
      (id, model, created, text) => {
        const frames = new ChatChunkFrames(id, created, model);
        const whole = {
          id,
          object: "chat.completion.chunk",
          created,
          model,
          choices: [{ index: 0, delta: { content: text }, finish_reason: null }],
        };
        assert.equal(frames.content(text), `data: ${JSON.stringify(whole)}\n\n`);
        assert.equal(frames.content(text), frames.frame({ content: text }, null));
      },
    ),
  );
});
