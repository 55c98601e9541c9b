export { AiSdkClient, type AiSdkClientOptions } from "./ai-sdk-client.js";
export { type ErrorHints, mapAiSdkError } from "./map-error.js";
export { createPooledFetch, type PooledFetch, type PooledFetchOptions } from "./pooled-fetch.js";
export { API_VENDORS, type ApiVendor, DEFAULT_MODELS } from "./vendor-models.js";
