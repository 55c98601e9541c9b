/**
 * Small async-iterator tools the layers share. They are hand-written iterator objects rather
 * than async generators on purpose: a generator that was never started ignores `return()`, and
 * these must release a breaker permit or close the upstream even then.
 */

/** How a watched stream ended: ran out, threw, or the consumer stopped early. */
export type StreamEnd = { kind: "done" } | { kind: "error"; error: unknown } | { kind: "abandoned" };

function iterable<T>(iterator: AsyncIterator<T>): AsyncIterable<T> {
  return { [Symbol.asyncIterator]: () => iterator };
}

/** Calls `return()` on an iterator without waiting or caring about its errors. */
export function closeQuietly(iterator: AsyncIterator<unknown>): void {
  try {
    iterator.return?.()?.catch(() => {});
  } catch {
    // A throwing return() has nothing left to clean up.
  }
}

export interface Peeked<T> {
  /** The first result (done when the stream was empty). */
  first: IteratorResult<T>;
  /** The whole stream again, starting with `first`. */
  events: AsyncIterable<T>;
}

/**
 * Pulls the first event so a layer can decide (retry, fall back) before anything reaches the
 * consumer. Rejects with the stream's error if it fails before its first event.
 */
export async function peek<T>(events: AsyncIterable<T>): Promise<Peeked<T>> {
  const it = events[Symbol.asyncIterator]();
  let first: IteratorResult<T>;
  try {
    first = await it.next();
  } catch (err) {
    closeQuietly(it);
    throw err;
  }
  let pending: IteratorResult<T> | undefined = first;
  return {
    first,
    events: iterable<T>({
      next() {
        if (pending === undefined) return it.next();
        const r = pending;
        pending = undefined;
        return Promise.resolve(r);
      },
      async return(value?: unknown): Promise<IteratorResult<T>> {
        pending = undefined;
        await it.return?.(value);
        return { done: true, value: undefined };
      },
    }),
  };
}

/** Passes a stream through, calling `onEvent` per event and `onEnd` exactly once when it ends. */
export function watchStream<T>(
  events: AsyncIterable<T>,
  hooks: { onEvent?: (event: T) => void; onEnd: (end: StreamEnd) => void },
): AsyncIterable<T> {
  const it = events[Symbol.asyncIterator]();
  let ended = false;
  const end = (e: StreamEnd) => {
    if (ended) return;
    ended = true;
    hooks.onEnd(e);
  };
  return iterable<T>({
    async next(): Promise<IteratorResult<T>> {
      if (ended) return { done: true, value: undefined };
      let r: IteratorResult<T>;
      try {
        r = await it.next();
      } catch (error) {
        end({ kind: "error", error });
        throw error;
      }
      if (r.done) end({ kind: "done" });
      else hooks.onEvent?.(r.value);
      return r;
    },
    async return(value?: unknown): Promise<IteratorResult<T>> {
      end({ kind: "abandoned" });
      await it.return?.(value);
      return { done: true, value: undefined };
    },
  });
}

/**
 * An AbortController that also aborts when `parent` does, with `release()` to unhook it once the
 * work is over. Hand-made rather than AbortSignal.any, which on Node 20 keeps every combined
 * signal alive for as long as a long-lived parent (nodejs/node#54614, #55351).
 */
export function childController(parent: AbortSignal): { controller: AbortController; release: () => void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener("abort", onAbort, { once: true });
  return { controller, release: () => parent.removeEventListener("abort", onAbort) };
}
