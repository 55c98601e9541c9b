/**
 * gateway.heapGrowingPercent (SYNAPSE_GATEWAY_HEAP_GROWING_PERCENT, default 30): how far V8
 * lets the old generation grow past what survived the last full collection before it collects
 * again. V8's own factor is dynamic (up to 4×), and a gateway's garbage is mostly
 * request and stream state that outlives a young-generation collection (a stream lasts seconds),
 * so it is promoted: under 1,000 concurrent streams the old generation grew to ~80 MiB around a
 * live set of ~40. A fixed 30 % kept the peak near the live set (121-137 MiB instead of
 * 148-195 at 1,000 streams), paid for with more frequent (incremental, mostly concurrent) full
 * collections; 0 gives V8 its dynamic factor back.
 *
 * Set at run time rather than on the command line because NODE_OPTIONS does not accept this V8
 * flag (Kubernetes and Compose could not pass it); V8 reads it at every old-generation limit it
 * computes, so it holds from the next collection on, for every gateway however it is started.
 */
import { setFlagsFromString } from "node:v8";

/** Sets V8's old-generation growing factor of this process to 1 + `percent`/100 (0: V8's dynamic factor). */
export function limitHeapGrowth(percent: number): void {
  setFlagsFromString(`--heap-growing-percent=${Math.max(0, Math.round(percent))}`);
}
