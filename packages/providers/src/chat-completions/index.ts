export { type ChatVendor, isOpenAiReasoningModel } from "./chat-body.js";
export {
  ChatCompletionsClient,
  type ChatCompletionsClientOptions,
  OPENAI_BASE_URL,
} from "./chat-completions-client.js";
