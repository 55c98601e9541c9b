/** Batches (spec section 6) and serializing answers. */
import { SynapseError } from "@synapse/core";
import {
  errorFromSynapse,
  errorResponse,
  InvalidRequest,
  invalidRequest,
  type JsonRpcRequest,
  type JsonRpcResponse,
  toLine,
  validateRequest,
} from "./protocol.js";

export type Respond = (response: JsonRpcResponse) => void;

/**
 * Runs every request of a batch and writes their answers as one array once all have finished
 * (in the order they finish). Invalid members are answered in place; notifications are not; a
 * batch of only notifications gets nothing at all, and an empty batch is an invalid request.
 * `dispatch` must call `respond` exactly once for a request and never for a notification.
 */
export function runBatch(
  messages: unknown[],
  dispatch: (request: JsonRpcRequest, respond: Respond) => void,
  write: (line: string) => void,
): void {
  if (messages.length === 0) {
    write(toLine(errorResponse(null, invalidRequest("a batch must not be empty"))));
    return;
  }
  const responses: JsonRpcResponse[] = [];
  // One extra count held until every member is dispatched, so a batch answered synchronously is
  // not written before its last member.
  let outstanding = 1;
  const settle = () => {
    outstanding -= 1;
    if (outstanding === 0 && responses.length > 0) write(serialize(responses));
  };
  const respond: Respond = (response) => {
    responses.push(response);
    settle();
  };
  for (const message of messages) {
    const request = validateRequest(message);
    if (request instanceof InvalidRequest) {
      responses.push(errorResponse(request.id, invalidRequest(request.reason)));
    } else {
      if (request.id !== undefined) outstanding += 1;
      dispatch(request, respond);
    }
  }
  settle();
}

/** Serializes an answer; a result JSON cannot represent (a cycle, a BigInt) becomes an INTERNAL error. */
export function serialize(message: JsonRpcResponse | JsonRpcResponse[]): string {
  try {
    return toLine(message);
  } catch {
    if (Array.isArray(message)) return `[${message.map((m) => serialize(m).slice(0, -1)).join(",")}]\n`;
    const err = new SynapseError(
      "INTERNAL",
      "The server could not serialize the result; report this as a bug.",
    );
    return toLine(errorResponse(message.id, errorFromSynapse(err)));
  }
}
