/** What every vendor API client is built from (the AI SDK client and the Chat Completions client). */
import type { Clock } from "@synapse/core";
import type { PooledFetch } from "./ai-sdk/pooled-fetch.js";
import type { ErrorHints } from "./vendor-errors.js";

export interface VendorClientOptions<V extends string> {
  vendor: V;
  /** The model's name at the vendor. */
  model: string;
  /** Sent as the vendor's credential; absent for an openai-compatible server that needs none. */
  apiKey?: string;
  /** The API's base URL; empty or absent means the vendor's (required for openai-compatible). */
  baseUrl?: string;
  /** What error messages may name. */
  hints: ErrorHints;
  /** A shared connection pool; when absent the client makes one and closes it in `close`. */
  pool?: PooledFetch;
  /** Dates Retry-After headers. Defaults to the system clock. */
  clock?: Clock;
}
