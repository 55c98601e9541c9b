/**
 * Coalesces the writes one socket gets during a turn of the event loop into one syscall. Under
 * load many calls are started (or answered) in the same poll phase, each with its own small line;
 * written one by one, every line is a `write(2)` — on loopback each costs about as much CPU as
 * handling the call itself. Corking at the first write and uncorking in the check phase
 * (`setImmediate`, after every I/O callback of this poll phase has run) sends them all in one
 * `writev(2)`. Unloaded, the check phase follows at once, so nothing waits. Node's own `cork()`
 * keeps `write()`'s return value (backpressure) exactly as without it.
 */
import type { Writable } from "node:stream";

export class TickCork {
  #held = false;

  constructor(private readonly stream: Writable) {}

  /** Call before each write: the first one of a turn corks the stream until the check phase. */
  hold(): void {
    if (this.#held) return;
    this.#held = true;
    this.stream.cork();
    setImmediate(this.#release);
  }

  readonly #release = (): void => {
    this.#held = false;
    this.stream.uncork();
  };
}
