/**
 * How `synapse workflow` shows a run. On a terminal: a spinner per step with its elapsed time
 * (ora), the streamed text scrolling above it, a tick or cross when the step ends. Otherwise plain
 * lines (step started, the text, step finished), fit for logs and pipes. `now` is a parameter so
 * the output is exact under test.
 */
import type { Writable } from "node:stream";
import ora, { type Ora } from "ora";
import type { ProgressEvent } from "./gateway-client.js";

export interface Progress {
  event(event: ProgressEvent): void;
  /** Stops any spinner; call once the run has finished (or failed). */
  close(): void;
}

export interface ProgressOptions {
  out: Writable & { isTTY?: boolean };
  /** Show each step's streamed text. Defaults to true. */
  text?: boolean;
  /** The gateway URL, for the approval hint. */
  url: string;
  now?: () => number;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const label = (e: ProgressEvent) =>
  `${e.step}${e.agent ? ` (${e.agent}.${e.action})` : ""}${e.round !== undefined && e.round > 1 ? ` round ${e.round}` : ""}`;

function approvalHint(url: string, e: ProgressEvent): string {
  const run = `${url}/api/v1/workflow/${e.runId}`;
  return `waiting for approval before "${e.step}": curl -X POST ${run}/approve (or ${run}/reject)`;
}

/** Plain lines: one per step start and end, the text between. */
export function plainProgress(options: ProgressOptions): Progress {
  const { out } = options;
  let open = false;
  const endLine = () => {
    if (open) out.write("\n");
    open = false;
  };
  return {
    event(e) {
      switch (e.type) {
        case "run_started":
          out.write(`run ${e.runId} started\n`);
          break;
        case "step_started":
          endLine();
          out.write(
            e.resumedAfterSeq === undefined
              ? `> ${label(e)} started\n`
              : `> ${label(e)} resumed after chunk ${e.resumedAfterSeq}\n`,
          );
          break;
        case "chunk":
          if (options.text !== false && e.text) {
            out.write(e.text);
            open = !e.text.endsWith("\n");
          }
          break;
        case "step_finished":
          endLine();
          out.write(`ok ${label(e)} finished in ${seconds(e.durationMs ?? 0)}\n`);
          break;
        case "awaiting_approval":
          endLine();
          out.write(`${approvalHint(options.url, e)}\n`);
          break;
      }
    },
    close: endLine,
  };
}

/** A spinner for the running step, its elapsed time ticking; the streamed text printed above it. */
export function ttyProgress(options: ProgressOptions): Progress {
  const { out } = options;
  const now = options.now ?? Date.now;
  let spinner: Ora | undefined;
  let title = "";
  let since = now();
  let partial = "";
  const ticker = setInterval(() => {
    if (spinner) spinner.text = `${title} ${dimmed(seconds(now() - since))}`;
  }, 200);
  ticker.unref();
  const spin = (text: string) => {
    title = text;
    since = now();
    spinner = ora({ text, stream: out as NodeJS.WriteStream, discardStdin: false }).start();
  };
  /** Prints whole lines of text above the spinner; the rest waits for its newline. */
  const print = (text: string, flush = false) => {
    partial += text;
    const cut = flush ? partial.length : partial.lastIndexOf("\n") + 1;
    if (cut <= 0) return;
    const lines = partial.slice(0, cut);
    partial = partial.slice(cut);
    spinner?.clear();
    out.write(dimmed(lines.endsWith("\n") ? lines : `${lines}\n`));
    spinner?.render();
  };
  return {
    event(e) {
      switch (e.type) {
        case "run_started":
          out.write(`run ${e.runId} started\n`);
          break;
        case "step_started":
          spinner?.stop();
          spin(e.resumedAfterSeq === undefined ? label(e) : `${label(e)} (resumed)`);
          break;
        case "chunk":
          if (options.text !== false && e.text) print(e.text);
          break;
        case "step_finished":
          print("", true);
          spinner?.succeed(`${label(e)} ${dimmed(seconds(e.durationMs ?? 0))}`);
          spinner = undefined;
          break;
        case "awaiting_approval":
          spinner?.stop();
          out.write(`${approvalHint(options.url, e)}\n`);
          spin(`awaiting approval of ${e.step}`);
          break;
        case "run_finished":
          if (e.status === "succeeded") spinner?.stop();
          else spinner?.fail(`${title} ${e.status}`);
          spinner = undefined;
          break;
      }
    },
    close() {
      clearInterval(ticker);
      print("", true);
      spinner?.stop();
    },
  };
}

function dimmed(text: string): string {
  return `\u001b[2m${text}\u001b[22m`;
}
