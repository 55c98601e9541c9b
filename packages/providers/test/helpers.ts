import type { ActionName, AgentName } from "@synapse/core";
import type { ProviderCall, ProviderEvent } from "../src/index.js";

/** A call with a fresh, never-aborted signal unless one is given. */
export function call(
  agent: AgentName,
  action: ActionName,
  input: Record<string, unknown>,
  extra: { signal?: AbortSignal; continuation?: { text: string; afterSeq: number } } = {},
): ProviderCall {
  return { agent, action, input, signal: new AbortController().signal, ...extra } as ProviderCall;
}

/** Every event of a stream. */
export async function drain(events: AsyncIterable<ProviderEvent>): Promise<ProviderEvent[]> {
  const out: ProviderEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** The text events' texts. */
export function texts(events: readonly ProviderEvent[]): string[] {
  return events.flatMap((e) => (e.type === "text" ? [e.text] : []));
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

/** One call of every action, several shapes of input: what the sim's output tests run over. */
export const SIM_SAMPLES: readonly ProviderCall[] = [
  call("claude", "plan", { task: "Build a CSV parser that handles quoted fields", context: "Node 20" }),
  call("claude", "code", { task: "Write a rate limiter in python" }),
  call("claude", "code", {
    task: "Add retries",
    step: { id: 2, goal: "Retry failed uploads", check: "uploads retry" },
    files: [{ path: "src/upload.ts", content: "export const x = 1;\n" }],
    comments: [{ location: "line 1", message: "name the constant" }],
  }),
  call("gemini", "analyze", { text: "const a: any = eval(input); // TODO remove\nconsole.log(a);" }),
  call("gemini", "review", {
    files: [{ path: "a.ts", content: "export const a = 1;\n" }],
    task: "constants",
  }),
  call("codex", "execute", { command: "echo 'hello world'" }),
  call("codex", "execute", { task: "build the project" }),
];
