import { AiSdkClient } from "../src/ai-sdk/index.js";
import { describeApiContract } from "./api-contract.js";

describeApiContract(
  "the AI SDK",
  ["anthropic", "google", "openai", "openai-compatible"],
  (o) => new AiSdkClient(o),
);
