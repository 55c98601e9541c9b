/**
 * One stream as the service keeps it: its chunks (numbered from `baseSeq + 1`), then its final
 * event or its error. Followers (`resume`) replay what is there and wait for the live tail.
 */
import type { ActionName, StreamChunk, StreamEvent, StreamFinal } from "@synapse/core";
import { SynapseError } from "@synapse/core";
import { abortError, throwIfAborted } from "@synapse/providers";

export class StreamLog {
  readonly chunks: StreamChunk[] = [];
  #final: StreamFinal | undefined;
  #error: SynapseError | undefined;
  #waiters = new Set<() => void>();

  constructor(
    readonly streamId: string,
    readonly action: ActionName,
    /** The seq after which this log starts: 0, or a continuation's afterSeq. */
    readonly baseSeq: number,
  ) {}

  /** The seq of the last chunk held (baseSeq when none). */
  get lastSeq(): number {
    return this.baseSeq + this.chunks.length;
  }

  get finished(): boolean {
    return this.#final !== undefined || this.#error !== undefined;
  }

  append(chunk: StreamChunk): void {
    this.chunks.push(chunk);
    this.#wake();
  }

  finish(final: StreamFinal): void {
    this.#final = final;
    this.#wake();
  }

  fail(error: SynapseError): void {
    if (this.finished) return;
    this.#error = error;
    this.#wake();
  }

  /** The chunks after `afterSeq`, then the live tail until the final event (or the stream's error). */
  async *follow(afterSeq: number, signal: AbortSignal): AsyncGenerator<StreamEvent> {
    if (afterSeq < this.baseSeq) {
      throw new SynapseError(
        "OUT_OF_RANGE",
        `Stream ${this.streamId} is held here from seq ${this.baseSeq + 1}; resume after seq ${this.baseSeq} or later, or continue it from a checkpoint.`,
      );
    }
    if (this.finished && afterSeq > this.lastSeq) {
      throw new SynapseError(
        "OUT_OF_RANGE",
        `Stream ${this.streamId} ended at seq ${this.lastSeq}; there is nothing after seq ${afterSeq}.`,
      );
    }
    let next = afterSeq + 1;
    for (;;) {
      throwIfAborted(signal);
      while (next <= this.lastSeq) {
        yield this.chunks[next - this.baseSeq - 1]!;
        next++;
        throwIfAborted(signal);
      }
      if (this.#final) {
        yield this.#final;
        return;
      }
      if (this.#error) throw this.#error;
      await this.#changed(signal);
    }
  }

  #wake(): void {
    // Most streams have no follower: no copy of an empty set per chunk.
    if (this.#waiters.size === 0) return;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  #changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#waiters.delete(wake);
        reject(abortError(signal));
      };
      const wake = () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      this.#waiters.add(wake);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}

/** What followers of a stream see when it stopped: a caller going away is not their cancellation. */
export function forFollowers(error: SynapseError, streamId: string, lastSeq: number): SynapseError {
  if (error.code !== "CANCELLED" && error.code !== "DEADLINE_EXCEEDED") return error;
  return new SynapseError(
    "ABORTED",
    `Stream ${streamId} stopped after seq ${lastSeq} because its caller went away; continue it from seq ${lastSeq} with a continuation.`,
  );
}
