/**
 * Where stream chunks are kept so a consumer can resume after any seq: each chunk is appended
 * before it is delivered, the final event (or the failure) closes the log, and a log expires a TTL
 * after its last write (default 10 minutes), after which it is NOT_FOUND. Implementations: memory
 * (one process) and SQLite (survives a restart). `subscribe` is the live tail within one process.
 */
import { type Code, type StreamChunk, type StreamFinal, SynapseError } from "@synapse/core";

/** Why a stream ended without a final event. */
export interface StreamFailure {
  code: Code;
  message: string;
}

/** A stream's log after some seq. */
export interface StreamSnapshot {
  /** The chunks with seq > afterSeq, in order. */
  chunks: StreamChunk[];
  /** The seq of the last chunk stored so far (0 when none). */
  lastSeq: number;
  final?: StreamFinal;
  failure?: StreamFailure;
}

export type StreamLogEvent =
  | { type: "chunk"; chunk: StreamChunk }
  | { type: "final"; final: StreamFinal }
  | { type: "failure"; failure: StreamFailure };

export interface CheckpointStore {
  /** Starts an empty log. ALREADY_EXISTS when a live log has this id. */
  create(streamId: string): Promise<void>;
  /** Appends the next chunk: its seq must be lastSeq + 1 (FAILED_PRECONDITION otherwise, or once closed). */
  append(streamId: string, chunk: StreamChunk): Promise<void>;
  /** Closes the log with its final event. */
  finish(streamId: string, final: StreamFinal): Promise<void>;
  /** Closes the log with a failure. */
  fail(streamId: string, failure: StreamFailure): Promise<void>;
  /** The chunks after `afterSeq` and how the stream ended, if it has. NOT_FOUND when unknown or expired. */
  read(streamId: string, afterSeq: number): Promise<StreamSnapshot>;
  /** Calls `listener` for each later write to the stream (this process only); returns the unsubscribe. */
  subscribe(streamId: string, listener: (event: StreamLogEvent) => void): () => void;
  /** Deletes expired logs now (they are also refused on read); returns how many went. */
  purgeExpired(): Promise<number>;
  close(): Promise<void>;
}

export function streamNotFound(streamId: string): SynapseError {
  return new SynapseError("NOT_FOUND", `stream ${streamId} is unknown or expired; start it again.`);
}

export function streamExists(streamId: string): SynapseError {
  return new SynapseError("ALREADY_EXISTS", `stream ${streamId} already exists; use a new stream id.`);
}

export function streamClosed(streamId: string): SynapseError {
  return new SynapseError(
    "FAILED_PRECONDITION",
    `stream ${streamId} has already ended; nothing can be added.`,
  );
}

export function seqMismatch(streamId: string, lastSeq: number, seq: number): SynapseError {
  return new SynapseError(
    "FAILED_PRECONDITION",
    `stream ${streamId}: chunk seq ${seq} does not follow ${lastSeq}; chunks must arrive in order without gaps.`,
  );
}

/** The in-process listeners of each stream, shared by the store implementations. */
export class StreamFanout {
  readonly #listeners = new Map<string, Set<(event: StreamLogEvent) => void>>();

  subscribe(streamId: string, listener: (event: StreamLogEvent) => void): () => void {
    let set = this.#listeners.get(streamId);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(streamId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(streamId) === set) this.#listeners.delete(streamId);
    };
  }

  publish(streamId: string, event: StreamLogEvent): void {
    for (const listener of [...(this.#listeners.get(streamId) ?? [])]) {
      try {
        listener(event);
      } catch {
        // One broken reader must not stop the others or the writer.
      }
    }
  }
}
