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
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=4"];
