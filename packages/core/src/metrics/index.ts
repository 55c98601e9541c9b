/**
 * `@synapse/core/metrics`: Prometheus metrics whose per-request updates are plain additions, for
 * the processes that export metrics (gateway, service). A subpath, so importing `@synapse/core`
 * does not load prom-client.
 */
export * from "./summed-counter.js";
export * from "./summed-histogram.js";
