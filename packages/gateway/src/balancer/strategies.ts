/**
 * The built-in strategies. Importing this module registers them (each file registers itself), so a
 * new strategy is one file plus one line here.
 */
import "./balancer-least-connections.js";
import "./balancer-least-response-time.js";
import "./balancer-round-robin.js";
import "./balancer-weighted.js";

/** The strategy a balancer uses when none is named. */
export const DEFAULT_STRATEGY = "round_robin";
