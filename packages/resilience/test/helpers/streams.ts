/** Checking a stream that crossed faults: every seq once and in order, and the same bytes as a clean run. */
import assert from "node:assert/strict";
import { hashText, type StreamEvent, type StreamFinal } from "@synapse/core";

/**
 * A claude `code` task whose sim answer is over 1,000 chunks long: sim's code header quotes the
 * task, one chunk per word.
 */
export const LONG_TASK = {
  task: Array.from({ length: 900 }, (_, i) => `word${i}`).join(" "),
};

/** What a clean run of a stream gives: its text and hash, to compare a faulted run with. */
export interface Reference {
  text: string;
  hash: string;
  lastSeq: number;
}

export async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** The reference of a clean run, checked to be whole on its own. */
export function referenceOf(events: readonly StreamEvent[]): Reference {
  const final = events.at(-1);
  assert.equal(final?.type, "final", "the reference stream ended with its final event");
  const f = final as StreamFinal;
  const text = events.flatMap((e) => (e.type === "chunk" ? [e.text] : [])).join("");
  assert.equal(hashText(text), f.hash);
  return { text, hash: f.hash, lastSeq: f.lastSeq };
}

/**
 * Asserts that `events` (the chunks after `afterSeq`, then the final event) carry every seq from
 * afterSeq + 1 to the end exactly once and in order, and that `before` plus their text is
 * byte-identical to the reference, hash included.
 */
export function assertIntact(
  events: readonly StreamEvent[],
  reference: Reference,
  options: { afterSeq?: number; before?: string } = {},
): void {
  const afterSeq = options.afterSeq ?? 0;
  const chunks = events.flatMap((e) => (e.type === "chunk" ? [e] : []));
  const seqs = chunks.map((c) => c.seq);
  const expected = Array.from({ length: reference.lastSeq - afterSeq }, (_, i) => afterSeq + 1 + i);
  assert.deepEqual(seqs, expected, "every seq exactly once, in order: no gap, no repeat");
  const final = events.at(-1);
  assert.equal(final?.type, "final", "the stream ends with its final event");
  const f = final as StreamFinal;
  assert.equal(f.lastSeq, reference.lastSeq);
  const text = (options.before ?? "") + chunks.map((c) => c.text).join("");
  assert.ok(text === reference.text, "the text is byte-identical to a clean run");
  assert.equal(hashText(text), reference.hash);
  assert.equal(f.hash, reference.hash);
}
