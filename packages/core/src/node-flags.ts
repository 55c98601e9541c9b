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
 *
 * Measured and left out (gateway RSS from `bench --quick --only memory`, idle / mixed load, and
 * gateway CPU per request from `profile.js --path provider --no-profile --repeat 3`, interleaved,
 * three rounds at a load average of 6-13, lowest of each run):
 * - `--optimize-for-size` (not accepted in NODE_OPTIONS): it shrinks the semi-space to 1 MiB and
 *   grows the old generation in 2 MiB steps instead of 8: 81-86 / 89-93 MiB against 89-94 /
 *   96-103 (8 runs each), but the gateway CPU per request 165-202 µs against 100-103: the
 *   throughput target would not hold.
 *   Set at run time instead (v8.setFlagsFromString, like the heap growth), which leaves the
 *   semi-space as it is: no difference beyond the noise (9 runs each).
 * - `--max-semi-space-size=2` / `=1` (4 / 6 MiB less young generation): 123-138 / 147-160 µs
 *   against 100-103.
 * - MALLOC_ARENA_MAX=2 (env): with two V8 workers the gateway has two malloc arenas besides the
 *   main one (2-6 MiB between them); capping them moved RSS by less than the run-to-run noise
 *   (±3 MiB), idle, under the mixed load and at 1,000 streams.
 * - `--bytecode-old-age=1` at run time (flush unused bytecode after one full GC instead of five):
 *   no difference beyond the noise; few full collections happen in a run.
 * Of an idle gateway's ~90 MiB, ~41 MiB are pages of the node binary itself (a bare `node` touches
 * 30), so what is left to cut is the V8 heap's live set (each MiB off it comes off the peak).
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=4", "--v8-pool-size=2"];
