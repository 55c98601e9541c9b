export { abortError, throwIfAborted, untilAborted } from "./abort.js";
export { type CreateProviderOptions, createProvider } from "./factory.js";
export {
  type Completion,
  type Continuation,
  complete,
  type Provider,
  type ProviderCall,
  type ProviderEvent,
} from "./provider.js";
export { countRevisionMarkers, failDirective, requestChangesDirective } from "./sim/directives.js";
export { findIssues } from "./sim/heuristics.js";
export { renderSim } from "./sim/render.js";
export { splitCommand } from "./sim/render-execute.js";
export { FAST_BATCH, SIM_MODEL, type SimOptions, SimProvider } from "./sim/sim-provider.js";
export { countWords, tokenize } from "./sim/tokens.js";
