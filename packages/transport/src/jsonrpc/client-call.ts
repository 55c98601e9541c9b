/**
 * One call from the client's side: the chunks received so far and, once settled, its result or
 * error. Settled by the server's answer, a dropped connection, the deadline or the caller's signal;
 * when settled locally it tells the server to stop (`$/cancel`).
 */
import type { StreamChunk, SynapseError } from "@synapse/core";

/** What a call needs from the connection carrying it. */
export interface CallCarrier {
  /** Forgets the call and, if it reached the server, sends `$/cancel`. */
  cancel(id: number): void;
}

export class ClientCall {
  carrier: CallCarrier | undefined;
  settled = false;
  value: unknown;
  error: SynapseError | undefined;
  private chunks: StreamChunk[] = [];
  private head = 0;
  private wake: (() => void) | undefined;
  private disarms: (() => void)[] = [];

  constructor(readonly id: number) {}

  /** Registers cleanup (a timer, a signal listener) to run when the call settles. */
  onSettle(disarm: () => void): void {
    if (this.settled) disarm();
    else this.disarms.push(disarm);
  }

  push(chunk: StreamChunk): void {
    if (this.settled) return;
    this.chunks.push(chunk);
    this.wakeUp();
  }

  /** The next chunk received and not yet taken, if any. */
  shift(): StreamChunk | undefined {
    if (this.head === this.chunks.length) return undefined;
    const chunk = this.chunks[this.head];
    this.head += 1;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    }
    return chunk;
  }

  /** Settles with the server's answer (or a dropped connection): nothing to cancel remotely. */
  answered(error: SynapseError | undefined, value: unknown): void {
    this.settle(error, value);
  }

  /** Settles here (deadline, signal, consumer gone) and tells the server to stop. */
  abandon(error: SynapseError): void {
    if (this.settled) return;
    this.settle(error, undefined);
    this.carrier?.cancel(this.id);
  }

  /** Resolves when a chunk arrives or the call settles. */
  changed(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  /** The result once settled, for unary calls. */
  async result(): Promise<unknown> {
    while (!this.settled) await this.changed();
    if (this.error !== undefined) throw this.error;
    return this.value;
  }

  private settle(error: SynapseError | undefined, value: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.error = error;
    this.value = value;
    for (const disarm of this.disarms) disarm();
    this.disarms = [];
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
