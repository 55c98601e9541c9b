export * from "./launcher/child-spec.js";
export * from "./launcher/launcher.js";
export * from "./launcher/parent-link.js";
export * from "./launcher/plan.js";
export * from "./launcher/restart-backoff.js";
export * from "./launcher/run.js";
export * from "./launcher/supervised-child.js";
export { createProgram } from "./program.js";
