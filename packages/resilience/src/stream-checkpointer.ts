/**
 * The checkpointing stream layer. A new stream gets its id here; a background pump reads the
 * upstream and appends every chunk to the store before any consumer sees it, and consumers read
 * the store (stored chunks, then the live tail). So a consumer that disconnects does not stop the
 * stream: it resumes later with `resume(streamId, afterSeq)` and gets exactly the chunks after
 * afterSeq. To stop the stream itself, abort the call's signal. The pump hands chunks to the store
 * without waiting for each write (chunk-writes.ts), so a store can commit a burst at once.
 *
 * When the upstream fails mid-way with a continuable code (another replica can take over), the
 * pump calls `next` again with the same streamId and `request.continuation = {text so far,
 * afterSeq: last seq}`, avoiding the endpoint that failed; the continuing replica sends the chunks
 * after afterSeq, and any it repeats are dropped by seq, so the consumer sees no gap and no duplicate.
 */
import {
  type Call,
  type CallOutput,
  type Clock,
  hashText,
  type Interceptor,
  type Next,
  newStreamId,
  type StreamCall,
  type StreamEvent,
  SynapseError,
} from "@synapse/core";
import type { CheckpointStore } from "./checkpoint-store.js";
import { ChunkWrites } from "./chunk-writes.js";
import type { ResilienceEvents } from "./events.js";
import type { CheckpointOptions } from "./options.js";
import { openTail } from "./stream-tail.js";

export interface CheckpointDeps {
  store: CheckpointStore;
  options: CheckpointOptions;
  clock: Clock;
  events: ResilienceEvents;
}

type StreamOutput = { events: AsyncIterable<StreamEvent>; endpoint?: string };

export class StreamCheckpointer {
  readonly interceptor: Interceptor;
  readonly #deps: CheckpointDeps;
  /** The streams being recorded, by id: each one's pump, which ends once its log is closed. */
  readonly #pumps = new Map<string, Promise<void>>();

  constructor(deps: CheckpointDeps) {
    this.#deps = deps;
    this.interceptor =
      (next: Next): Next =>
      <C extends Call>(call: C): Promise<CallOutput<C>> =>
        // Unary calls pass straight through: not even an async frame of their own.
        call.stream ? (this.#stream(next, call) as Promise<CallOutput<C>>) : next(call);
  }

  async #stream(next: Next, call: StreamCall): Promise<CallOutput<StreamCall>> {
    if (call.resume !== undefined) {
      const events = await this.resume(call.resume.streamId, call.resume.afterSeq, call.signal);
      return { stream: true, events };
    }
    return this.#start(next, call);
  }

  /** The chunks of `streamId` after `afterSeq`, then its live tail. NOT_FOUND when unknown or expired. */
  async resume(
    streamId: string,
    afterSeq: number,
    signal?: AbortSignal,
  ): Promise<AsyncIterable<StreamEvent>> {
    const events = await openTail(this.#deps.store, streamId, afterSeq, signal);
    this.#deps.events.emit("resume", { streamId, afterSeq, at: this.#deps.clock.now() });
    return events;
  }

  /** Resolves when every stream being recorded has ended (for shutdown and tests). */
  async idle(): Promise<void> {
    while (this.#pumps.size > 0) await Promise.allSettled([...this.#pumps.values()]);
  }

  /**
   * Resolves once the recording of `streamId` has ended — its log closed with the final event or
   * the failure — or at once when this process is not recording it. Never rejects. Cheaper than
   * watching the store for the end: no subscription and no read.
   */
  recorded(streamId: string): Promise<void> {
    return this.#pumps.get(streamId) ?? Promise.resolve();
  }

  async #start(
    next: Next,
    call: StreamCall,
  ): Promise<{ stream: true; events: AsyncIterable<StreamEvent>; endpoint?: string }> {
    const { store } = this.#deps;
    const streamId = call.request.streamId ?? newStreamId();
    await store.create(streamId);
    const down: StreamCall = { ...call, request: { ...call.request, streamId } };
    let output: StreamOutput;
    try {
      output = await next(down);
    } catch (err) {
      const error = SynapseError.from(err);
      await store.fail(streamId, { code: error.code, message: error.message }).catch(() => {});
      throw err;
    }
    // Subscribed before the pump writes anything, so the consumer misses nothing.
    const events = await openTail(store, streamId, 0, call.signal);
    const pump: Promise<void> = this.#pump(next, down, streamId, output)
      .catch(() => {})
      .finally(() => {
        if (this.#pumps.get(streamId) === pump) this.#pumps.delete(streamId);
      });
    this.#pumps.set(streamId, pump);
    return { stream: true, events, ...(output.endpoint === undefined ? {} : { endpoint: output.endpoint }) };
  }

  async #pump(next: Next, call: StreamCall, streamId: string, first: StreamOutput): Promise<void> {
    const { store, options, clock, events: emitter } = this.#deps;
    const avoid = new Set(call.avoidEndpoints ?? []);
    let { events, endpoint } = first;
    const writes = new ChunkWrites(store, streamId);
    for (let continuations = 0; ; continuations++) {
      try {
        for await (const e of events) {
          writes.check();
          if (e.type === "final") {
            await writes.settled();
            await store.finish(streamId, {
              type: "final",
              streamId,
              lastSeq: writes.lastSeq,
              hash: hashText(writes.text),
              response: e.response,
            });
            return;
          }
          if (e.seq <= writes.lastSeq) continue; // repeated by a continuing replica
          if (e.seq !== writes.lastSeq + 1) {
            throw new SynapseError(
              "DATA_LOSS",
              `stream ${streamId} jumped from seq ${writes.lastSeq} to ${e.seq}.`,
            );
          }
          writes.append(e.seq, e.text);
        }
        throw new SynapseError("UNAVAILABLE", `stream ${streamId} ended before its final event.`);
      } catch (err) {
        // Continue from what is stored: a chunk whose write failed was never seen by a consumer.
        const error = SynapseError.from(await writes.rewind(err));
        const canContinue =
          options.continueOnCodes.includes(error.code) &&
          continuations < options.maxContinuations &&
          !call.signal.aborted &&
          (call.deadline === undefined || clock.now() < call.deadline);
        if (!canContinue) {
          await store.fail(streamId, { code: error.code, message: error.message });
          return;
        }
        if (endpoint !== undefined) avoid.add(endpoint);
        const { lastSeq, text } = writes;
        emitter.emit("continuation", {
          agent: call.request.agent,
          action: call.request.action,
          stream: true,
          streamId,
          afterSeq: lastSeq,
          endpoint,
          code: error.code,
          at: clock.now(),
        });
        try {
          const output: StreamOutput = await next({
            ...call,
            request: { ...call.request, streamId, continuation: { text, afterSeq: lastSeq } },
            avoidEndpoints: [...avoid],
          });
          ({ events, endpoint } = output);
        } catch (err2) {
          const error2 = SynapseError.from(err2);
          await store.fail(streamId, { code: error2.code, message: error2.message });
          return;
        }
      }
    }
  }
}
