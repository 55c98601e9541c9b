/**
 * Power of two choices (Mitzenmacher): draw two distinct candidates uniformly at random and keep
 * the cheaper. Nearly as good as scanning for the cheapest, without every gateway piling onto the
 * same "best" replica at once, and O(1) per pick.
 */
import type { Endpoint } from "./endpoint.js";

/**
 * The cheaper of two distinct random candidates by `cost`; on a tie the first drawn (itself random).
 * With one candidate, that one. `random` is uniform in [0, 1).
 */
export function pickTwo(
  candidates: readonly Endpoint[],
  cost: (endpoint: Endpoint) => number,
  random: () => number,
): Endpoint {
  const n = candidates.length;
  if (n === 1) return candidates[0]!;
  const i = Math.min(Math.floor(random() * n), n - 1);
  let j = Math.min(Math.floor(random() * (n - 1)), n - 2);
  if (j >= i) j += 1; // skip i so the two are distinct
  const a = candidates[i]!;
  const b = candidates[j]!;
  return cost(b) < cost(a) ? b : a;
}
