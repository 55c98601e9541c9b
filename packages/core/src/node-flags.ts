/**
 * Node (V8) options the gateway process is started with, wherever it runs: `synapse up` (the
 * launcher), the Kubernetes and Compose manifests (as NODE_OPTIONS), and the benchmarks. A test
 * in packages/deploy checks that they all agree with this list.
 *
 * `--max-semi-space-size=4` (MiB; V8's default on 64-bit grows to 16): the young generation is
 * two semi-spaces, and at the default size their pages were ~24 MiB of an idle gateway's 124 MiB
 * RSS (touched within seconds of any load); at 4 MiB they are 8. A request's objects still die
 * young at this size: the gateway's CPU per request under the mixed load and 1,000 streams showed
 * no difference beyond the noise of a shared 2-core machine. Smaller (2) saved ~6 MiB more.
 *
 * `--v8-pool-size=2` (threads; Node's default is 4): V8's worker threads (concurrent marking and
 * sweeping, background compilation) each get a glibc malloc arena, which keeps what it once held.
 * The gateway's memory outside V8's heap under the mixed load of the benchmark was 16.6-17.6 MiB
 * with 4 workers and 11.5-12.7 with 2 (RSS 1-4 MiB lower idle too); gateway CPU per request showed
 * no difference beyond the noise (provider path, interleaved: 264-275 against 275-555 µs at a load
 * average of 11-15). One worker cost CPU (309-379 µs), and so did a 2 MiB semi-space (+15-30 %).
 * Every flag here must be one node accepts in NODE_OPTIONS (Kubernetes and Compose pass them so).
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=4", "--v8-pool-size=2"];
