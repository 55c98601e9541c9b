/**
 * Reading a stream from a CheckpointStore: the stored chunks after `afterSeq`, then the live tail
 * until the final event (or the failure). It subscribes before it reads, so a chunk written in
 * between arrives both ways and is dropped once by seq: no gap, no duplicate.
 */
import { type StreamEvent, SynapseError } from "@synapse/core";
import type { CheckpointStore, StreamFailure, StreamLogEvent } from "./checkpoint-store.js";

function failureError(failure: StreamFailure): SynapseError {
  return new SynapseError(failure.code, failure.message);
}

/**
 * Opens a reader of `streamId` after `afterSeq`. Rejects with NOT_FOUND when the stream is
 * unknown or expired and OUT_OF_RANGE when `afterSeq` lies past what the stream holds. `signal`
 * stops a reader waiting on the live tail (the stream itself goes on), and so does `return()`.
 */
export async function openTail(
  store: CheckpointStore,
  streamId: string,
  afterSeq: number,
  signal?: AbortSignal,
): Promise<AsyncIterable<StreamEvent>> {
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) {
    throw new SynapseError("INVALID_ARGUMENT", `afterSeq must be a whole number ≥ 0, got ${afterSeq}.`);
  }
  const live: StreamLogEvent[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = store.subscribe(streamId, (event) => {
    live.push(event);
    // Nothing follows the end, so stop listening now, even if this reader is never drained.
    if (event.type !== "chunk") unsubscribe();
    wake?.();
  });
  let snapshot: Awaited<ReturnType<CheckpointStore["read"]>>;
  try {
    snapshot = await store.read(streamId, afterSeq);
    if (afterSeq > snapshot.lastSeq) {
      throw new SynapseError(
        "OUT_OF_RANGE",
        `stream ${streamId} has ${snapshot.lastSeq} chunk(s) so far; resume after a seq up to ${snapshot.lastSeq}.`,
      );
    }
  } catch (err) {
    unsubscribe();
    throw err;
  }

  const stored = snapshot.chunks;
  let stored_i = 0;
  let last = afterSeq;
  let done = false;
  const onAbort = () => wake?.();
  signal?.addEventListener("abort", onAbort);
  const finish = () => {
    done = true;
    unsubscribe();
    signal?.removeEventListener("abort", onAbort);
  };
  /** The next event from the stored part, then the live part; undefined when it must wait. */
  const take = (): IteratorResult<StreamEvent> | undefined => {
    const chunk = stored[stored_i];
    if (chunk !== undefined) {
      stored_i++;
      last = chunk.seq;
      return { done: false, value: chunk };
    }
    if (snapshot.final !== undefined) {
      finish();
      return { done: false, value: snapshot.final };
    }
    if (snapshot.failure !== undefined) {
      finish();
      throw failureError(snapshot.failure);
    }
    for (let event = live.shift(); event !== undefined; event = live.shift()) {
      if (event.type === "final") {
        finish();
        return { done: false, value: event.final };
      }
      if (event.type === "failure") {
        finish();
        throw failureError(event.failure);
      }
      if (event.chunk.seq <= last) continue;
      if (event.chunk.seq !== last + 1) {
        finish();
        throw new SynapseError(
          "DATA_LOSS",
          `stream ${streamId} jumped from seq ${last} to ${event.chunk.seq}.`,
        );
      }
      last = event.chunk.seq;
      return { done: false, value: event.chunk };
    }
    return undefined;
  };

  const iterator: AsyncIterator<StreamEvent> = {
    async next() {
      for (;;) {
        if (done) return { done: true, value: undefined };
        const result = take();
        if (result !== undefined) return result;
        if (signal?.aborted) {
          finish();
          throw SynapseError.from(signal.reason, "CANCELLED");
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    },
    async return() {
      finish();
      // A next() waiting on the live tail ends too (done), so a consumer that leaves while
      // nothing arrives is not left hanging on a reader that no longer listens.
      wake?.();
      return { done: true, value: undefined };
    },
  };
  return { [Symbol.asyncIterator]: () => iterator };
}
