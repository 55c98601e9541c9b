/**
 * Cancels client calls when their AbortSignal fires, with one listener per signal however many
 * calls share it (a gateway request's signal across retries, a process-wide shutdown signal).
 * A listener per call would trip Node's MaxListenersExceededWarning past ten concurrent calls
 * and costs more per call than a Set insert and delete.
 */

export interface Cancellable {
  cancel(): void;
}

const callsBySignal = new WeakMap<AbortSignal, Set<Cancellable>>();

/** Cancels `call` when `signal` aborts; returns the function that stops watching (call it when the call ends). */
export function cancelOnAbort(signal: AbortSignal, call: Cancellable): () => void {
  let calls = callsBySignal.get(signal);
  if (calls === undefined) {
    const set = new Set<Cancellable>();
    calls = set;
    callsBySignal.set(signal, set);
    signal.addEventListener(
      "abort",
      () => {
        for (const c of set) c.cancel();
        set.clear();
      },
      { once: true },
    );
  }
  calls.add(call);
  return () => {
    calls.delete(call);
  };
}
