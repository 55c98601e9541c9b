/**
 * Strategies by name (after grpc-js's `registerLoadBalancerType`): each strategy file registers
 * itself when imported, so adding one touches that file and the import list in `strategies.ts`.
 */
import { SynapseError } from "@synapse/core";
import type { Strategy, StrategyContext, StrategyFactory } from "./strategy.js";

const factories = new Map<string, StrategyFactory>();

/** Makes `factory` available under `name` (e.g. "round_robin"). A second registration replaces the first. */
export function registerBalancer(name: string, factory: StrategyFactory): void {
  factories.set(name, factory);
}

/** The registered strategy names, sorted. */
export function registeredBalancers(): string[] {
  return [...factories.keys()].sort();
}

/** A new strategy instance; INVALID_ARGUMENT naming the known strategies when `name` is not one. */
export function createStrategy(name: string, context: StrategyContext): Strategy {
  const factory = factories.get(name);
  if (factory === undefined) {
    throw new SynapseError(
      "INVALID_ARGUMENT",
      `Unknown load-balancing strategy "${name}"; use one of: ${registeredBalancers().join(", ")}.`,
    );
  }
  return factory(context);
}
