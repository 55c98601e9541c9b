/** Polling for state that real processes and sockets reach in their own time. */

/**
 * Resolves once `check()` is true, checking every `everyMs`; rejects naming `what` when it is
 * still false after `timeoutMs` (defaults to 10 seconds, generous for a loaded machine).
 */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  everyMs = 5,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
