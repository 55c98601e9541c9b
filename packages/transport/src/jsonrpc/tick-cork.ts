/**
 * Coalesces the writes one socket gets during a turn of the event loop into one syscall. Under
 * load many calls are started (or answered) in the same poll phase, each with its own small line;
 * written one by one, every line is a `write(2)` — on loopback each costs about as much CPU as
 * handling the call itself. Corking at the first write and uncorking in the check phase
 * (`setImmediate`, after every I/O callback of this poll phase has run) sends them all in one
 * `writev(2)`. Unloaded, the check phase follows at once, so nothing waits. Node's own `cork()`
 * keeps `write()`'s return value (backpressure) exactly as without it. `flush()` sends the batch
 * at once, for a line someone is waiting on (a stream's first chunk: held to the check phase, it
 * waited for the rest of the burst being produced, about 0.5 ms with the AI SDK's parsing).
 */
import type { Writable } from "node:stream";

export class TickCork {
  #held: NodeJS.Immediate | undefined;

  constructor(private readonly stream: Writable) {}

  /** Call before each write: the first one of a turn corks the stream until the check phase. */
  hold(): void {
    if (this.#held !== undefined) return;
    this.stream.cork();
    this.#held = setImmediate(this.#release);
  }

  /** Sends what this turn has written so far now; later writes of the turn cork afresh. */
  flush(): void {
    if (this.#held === undefined) return;
    clearImmediate(this.#held);
    this.#release();
  }

  readonly #release = (): void => {
    this.#held = undefined;
    this.stream.uncork();
  };
}
