/**
 * `sim`, the embedded provider: offline and deterministic for a given input, with the real result
 * shapes, streamed token by token at a configurable pace, with injectable faults. It is what
 * `npm start`, the tests and the benchmarks run on, and it always names itself `provider: "sim"`.
 *
 * Steering by input (directives.ts): `[sim:fail=CODE]` fails the call with CODE;
 * `[sim:request-changes=N]` makes review loops request changes exactly N times.
 */
import { type Clock, SynapseError, sleep, systemClock } from "@synapse/core";
import { abortError, isCallAborted, throwIfAborted, throwIfCallAborted, untilAborted } from "../abort.js";
import type { Completion, Provider, ProviderCall, ProviderEvent } from "../provider.js";
import { failDirective } from "./directives.js";
import { renderSim } from "./render.js";
import { countTokens, countWords, tokenize } from "./tokens.js";

/** The model name sim answers with. */
export const SIM_MODEL = "sim-1";

/** Tokens streamed per turn of the event loop when there is no pacing (tokensPerSecond 0). */
export const FAST_BATCH = 64;

export interface SimOptions {
  /** Milliseconds before the first token. Defaults to 0. */
  ttftMs?: number;
  /** Tokens per second after the first; 0 (the default) streams as fast as possible, with no timers. */
  tokensPerSecond?: number;
  /** Share of calls (0–1) that fail UNAVAILABLE before their first token. Defaults to 0. */
  errorRate?: number;
  /** Share of calls (0–1) that never answer until aborted. Defaults to 0. */
  hangRate?: number;
  /** Streams fail UNAVAILABLE ("stream dropped") after this many chunks; 0 (the default) never. */
  dropAfterChunks?: number;
  /** The process crashes on this call number (1-based, counted per provider); 0 (the default) never. */
  crashAfter?: number;
  /** Defaults to the system clock. */
  clock?: Clock;
  /** Draws for errorRate and hangRate. Defaults to Math.random. */
  random?: () => number;
  /** What a crash does. Defaults to SIGKILL on this process, so nothing gets to clean up. */
  crash?: () => void;
}

const killSelf = () => {
  process.kill(process.pid, "SIGKILL");
};

export class SimProvider implements Provider {
  readonly name = "sim";
  readonly model = SIM_MODEL;
  readonly #ttftMs: number;
  readonly #intervalMs: number;
  readonly #errorRate: number;
  readonly #hangRate: number;
  readonly #dropAfterChunks: number;
  readonly #crashAfter: number;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #crash: () => void;
  #calls = 0;

  constructor(options: SimOptions = {}) {
    this.#ttftMs = options.ttftMs ?? 0;
    const tps = options.tokensPerSecond ?? 0;
    this.#intervalMs = tps > 0 ? 1000 / tps : 0;
    this.#errorRate = options.errorRate ?? 0;
    this.#hangRate = options.hangRate ?? 0;
    this.#dropAfterChunks = options.dropAfterChunks ?? 0;
    this.#crashAfter = options.crashAfter ?? 0;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#crash = options.crash ?? killSelf;
  }

  async *stream(call: ProviderCall): AsyncGenerator<ProviderEvent> {
    const { signal } = call;
    // One generator, not a wrapper delegating to another: each level costs every token a promise.
    try {
      const { rest, result } = await this.#begin(call);
      const tokens = tokenize(rest);
      const start = this.#clock.now();
      for (let i = 0; i < tokens.length; i++) {
        if (i === this.#dropAfterChunks && i > 0) throw dropped(i);
        // Most tokens of an unpaced stream have nothing to wait for: no async call for them.
        if (this.#waits(i)) await this.#pace(i, start, signal);
        else throwIfAborted(signal);
        yield { type: "text", text: tokens[i]! };
      }
      await this.#pace(tokens.length === 0 ? 0 : -1, start, signal);
      yield {
        type: "done",
        result,
        usage: { inputTokens: countWords(call.input), outputTokens: tokens.length },
      };
    } catch (err) {
      if (signal.aborted) throw abortError(signal);
      throw SynapseError.from(err);
    }
  }

  /**
   * The whole answer at once, exactly what draining `stream` would give (same text, result,
   * usage, faults, pacing and errors) without a generator round trip per token: a unary call
   * through the service spent more CPU passing ~80 tokens through three async generators than
   * on everything else in the sim (~40 of ~70 µs per call, measured).
   */
  async complete(call: ProviderCall): Promise<Completion> {
    // `call.signal` is read only to wait or to fail: a service call makes it on first read.
    try {
      const { rest, result } = await this.#begin(call);
      const tokens = countTokens(rest);
      // Wait until the last token the stream would have sent is due (or the one before the drop).
      const drop = this.#dropAfterChunks > 0 && this.#dropAfterChunks < tokens;
      const sent = drop ? this.#dropAfterChunks : tokens;
      await this.#due(Math.max(sent - 1, 0), call);
      if (drop) throw dropped(sent);
      throwIfCallAborted(call);
      return {
        text: rest,
        result,
        usage: { inputTokens: countWords(call.input), outputTokens: tokens },
      };
    } catch (err) {
      if (isCallAborted(call)) throw abortError(call.signal);
      throw SynapseError.from(err);
    }
  }

  /** What every answer does before its first token: count the call, crash, faults, render. */
  async #begin(call: ProviderCall): Promise<{ rest: string; result: Record<string, unknown> }> {
    const callNumber = ++this.#calls;
    throwIfCallAborted(call);
    if (callNumber === this.#crashAfter) {
      this.#crash();
      // Only reached when the crash was replaced (tests): the call still fails as a crash would.
      throw new SynapseError(
        "UNAVAILABLE",
        `Simulated crash on call ${callNumber}; retry on another replica.`,
      );
    }
    const requested = failDirective(call.input);
    if (requested) throw requested;
    const { text, result } = renderSim(call);
    let rest = text;
    if (call.continuation) {
      if (!text.startsWith(call.continuation.text)) {
        throw new SynapseError(
          "FAILED_PRECONDITION",
          "The continuation text is not a prefix of this call's answer; continue a stream with exactly the input of the original call.",
        );
      }
      rest = text.slice(call.continuation.text.length);
    }
    await this.#faults(call);
    return { rest, result };
  }

  /** One draw decides: below errorRate fails, the next hangRate of the range hangs. */
  async #faults(call: ProviderCall): Promise<void> {
    if (this.#errorRate <= 0 && this.#hangRate <= 0) return;
    const draw = this.#random();
    if (draw < this.#errorRate) {
      throw new SynapseError("UNAVAILABLE", "Simulated fault: the provider is unavailable; retry the call.");
    }
    if (draw < this.#errorRate + this.#hangRate) await untilAborted(call.signal);
  }

  /** Whether `#pace(i)` may wait (a timer, or a turn of the event loop) rather than only check the signal. */
  #waits(i: number): boolean {
    return this.#intervalMs > 0 || (i === 0 ? this.#ttftMs > 0 : i % FAST_BATCH === 0);
  }

  /**
   * Waits until token `i` is due: the first at start + ttft, then one every 1000/tokensPerSecond
   * ms, measured from the start so timer lateness never accumulates. Unpaced streams take no
   * timers and only let the event loop turn every FAST_BATCH tokens. `i` = -1 is the end of a
   * stream that had tokens (nothing more to wait for, only an abort check).
   */
  async #pace(i: number, start: number, signal: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    if (i < 0) return;
    if (this.#intervalMs === 0) {
      if (i === 0 && this.#ttftMs > 0) await sleep(this.#ttftMs, signal, this.#clock);
      else if (i > 0 && i % FAST_BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
      throwIfAborted(signal);
      return;
    }
    const wait = start + this.#ttftMs + i * this.#intervalMs - this.#clock.now();
    if (wait > 0) await sleep(Math.ceil(wait), signal, this.#clock);
  }

  /** Waits from now until token `i` is due, as `#pace` would (a unary answer's only wait). */
  async #due(i: number, call: ProviderCall): Promise<void> {
    throwIfCallAborted(call);
    const wait = this.#ttftMs + i * this.#intervalMs;
    if (wait > 0) await sleep(Math.ceil(wait), call.signal, this.#clock);
  }
}

function dropped(chunks: number): SynapseError {
  return new SynapseError(
    "UNAVAILABLE",
    `Simulated fault: stream dropped after ${chunks} chunks; resume it.`,
  );
}
