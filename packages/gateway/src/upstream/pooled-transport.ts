/**
 * The innermost `Next` of the gateway's chain for one replica: takes a share of a pooled
 * connection for the call (gRPC channel or JSON-RPC socket) and gives it back when the call — or,
 * for a stream, its last event — is done.
 */
import type { Call, CallOutput, Next } from "@synapse/core";
import { watchStream } from "@synapse/resilience";
import type { ConnectionPool, Lease } from "@synapse/transport";

export function pooledTransport<C>(pool: ConnectionPool<C>, transportOf: (connection: C) => Next): Next {
  const transports = new WeakMap<object, Next>();
  const nextFor = (connection: C): Next => {
    const key = connection as object;
    let next = transports.get(key);
    if (next === undefined) {
      next = transportOf(connection);
      transports.set(key, next);
    }
    return next;
  };
  const run = async (lease: Lease<C>, call: Call): Promise<CallOutput> => {
    let output: CallOutput;
    try {
      output = await nextFor(lease.connection)(call);
    } catch (err) {
      lease.release();
      throw err;
    }
    if (!output.stream) {
      lease.release();
      return output;
    }
    // Given back however the stream ends, even when its consumer leaves before the first event.
    return { ...output, events: watchStream(output.events, { onEnd: () => lease.release() }) };
  };
  // An open connection with room is leased at once; only waiting for one goes through acquire.
  const next = (call: Call): Promise<CallOutput> => {
    const lease = pool.tryAcquire();
    return lease === undefined ? pool.acquire().then((l) => run(l, call)) : run(lease, call);
  };
  return next as Next;
}
