/**
 * A stream's reader handed to a route: the event already taken (`first`), then the rest. When the
 * route's client leaves (`signal` aborts) it closes the reader underneath, which wakes a read
 * waiting on the live tail, and fails CANCELLED — the stream itself goes on. Written as an
 * iterator object, not an async generator: a generator can only be closed between two reads, and
 * it would cost every chunk another promise.
 */
import { type StreamEvent, SynapseError } from "@synapse/core";
import { closeQuietly } from "@synapse/resilience";

export function readFrom(
  first: IteratorResult<StreamEvent>,
  it: AsyncIterator<StreamEvent>,
  signal: AbortSignal,
): AsyncIterable<StreamEvent> {
  let pending: IteratorResult<StreamEvent> | undefined = first;
  const onAbort = () => closeQuietly(it);
  const release = () => signal.removeEventListener("abort", onAbort);
  if (signal.aborted) closeQuietly(it);
  else signal.addEventListener("abort", onAbort, { once: true });
  const cancelled = () => {
    release();
    return SynapseError.from(signal.reason, "CANCELLED");
  };
  const iterator: AsyncIterator<StreamEvent> = {
    async next() {
      if (signal.aborted) throw cancelled();
      const r = pending ?? (await it.next());
      pending = undefined;
      if (signal.aborted) throw cancelled();
      if (r.done) release();
      return r;
    },
    async return() {
      pending = undefined;
      release();
      await it.return?.();
      return { done: true, value: undefined };
    },
  };
  return { [Symbol.asyncIterator]: () => iterator };
}
