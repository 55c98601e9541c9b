/**
 * How many answers a gateway gave from its fallback (cache or rule) so far: the sum of
 * `synapse_gateway_fallbacks_total` on its /metrics. A fallback answer is a 200 with a degraded
 * result, so a load that counts only non-2xx answers as failed would hide it; scenarios read this
 * before and after a load and report the difference beside "failed".
 */
const METRIC = "synapse_gateway_fallbacks_total";

export async function fallbacksSoFar(gatewayUrl: string): Promise<number> {
  const res = await fetch(`${gatewayUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`${gatewayUrl}/metrics answered HTTP ${res.status}`);
  const text = await res.text();
  // The counter is declared even before its first answer; without it the count would read 0 forever.
  if (!text.includes(`# TYPE ${METRIC} counter`)) throw new Error(`${gatewayUrl}/metrics has no ${METRIC}`);
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${METRIC}{`)) total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}
