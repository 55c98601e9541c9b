/**
 * The chunks a stream's pump hands to the checkpoint store. They are appended without waiting for
 * each write, so a store can commit the chunks that arrive together in one go (the SQLite store
 * commits the writes of one event-loop turn in one transaction) while the pump takes the next
 * ones; consumers still see a chunk only once it is stored. What is confirmed stored is tracked,
 * so that when a write fails the stream goes on (or ends) from there and never past a chunk that
 * was not stored.
 */
import type { CheckpointStore } from "./checkpoint-store.js";

export class ChunkWrites {
  /** The seq of the last chunk handed to the store (0 before any). */
  lastSeq = 0;
  /** The text of the chunks handed to the store, in order. */
  text = "";
  #stored = { seq: 0, length: 0 };
  #inFlight = 0;
  #idle: (() => void) | undefined;
  #failed = false;
  #error: unknown;

  constructor(
    private readonly store: CheckpointStore,
    private readonly streamId: string,
  ) {}

  /** Hands chunk `seq` (which must be lastSeq + 1) to the store. */
  append(seq: number, text: string): void {
    this.text += text;
    this.lastSeq = seq;
    const length = this.text.length;
    this.#inFlight++;
    this.store.append(this.streamId, { type: "chunk", streamId: this.streamId, seq, text }).then(
      () => {
        if (seq > this.#stored.seq) this.#stored = { seq, length };
        this.#done();
      },
      (err: unknown) => {
        if (!this.#failed) {
          this.#failed = true;
          this.#error = err;
        }
        this.#done();
      },
    );
  }

  /** Throws the error of the first write that failed, if one has. */
  check(): void {
    if (this.#failed) throw this.#error;
  }

  /** Resolves once every chunk handed over is stored; throws if a write failed. */
  async settled(): Promise<void> {
    await this.#drained();
    this.check();
  }

  /**
   * After `err` stopped the pump: waits for the writes in flight, goes back to the last chunk
   * stored (lastSeq and text), and returns the error to act on — a failed write's, else `err`.
   */
  async rewind(err: unknown): Promise<unknown> {
    await this.#drained();
    const cause = this.#failed ? this.#error : err;
    this.#failed = false;
    this.#error = undefined;
    this.lastSeq = this.#stored.seq;
    this.text = this.text.slice(0, this.#stored.length);
    return cause;
  }

  #drained(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idle = resolve;
    });
  }

  #done(): void {
    this.#inFlight--;
    if (this.#inFlight > 0) return;
    const idle = this.#idle;
    this.#idle = undefined;
    idle?.();
  }
}
