/**
 * The child's half of the launcher protocol: a process started by the launcher ends when its
 * IPC channel to the launcher closes, so even a launcher killed with SIGKILL leaves no orphans.
 */

export interface ParentLinkOptions {
  /**
   * After the parent goes, how long the graceful stop may take before the process exits
   * anyway, in milliseconds (drain timeout + 2 s is right for a service). Defaults to 12 000.
   */
  graceMs?: number;
}

/**
 * When this process has an IPC channel (it was started by the launcher), stops it once that
 * channel disconnects: a process that already stops itself on "disconnect" (the agent service
 * does) is left to do so, any other gets SIGTERM, which its own handling turns into a drain and
 * exit 0. Either way, if it is still running `graceMs` later, it exits with code 1.
 * Returns false, doing nothing, when there is no channel.
 */
export function exitOnParentDisconnect(options: ParentLinkOptions = {}): boolean {
  if (process.send === undefined || !process.connected) return false;
  const graceMs = options.graceMs ?? 12_000;
  process.once("disconnect", () => {
    const force = setTimeout(() => process.exit(1), graceMs);
    // The timer is a last resort: it must not be what keeps a drained process alive.
    force.unref();
    // This listener is gone by now (once), so any left are the process's own way of stopping;
    // a SIGTERM on top would count as a second signal, which cuts a drain short.
    if (process.listenerCount("disconnect") === 0) process.kill(process.pid, "SIGTERM");
  });
  // Listening for "disconnect" refs the channel; unref it so that a process that has finished
  // everything else (e.g. drained after SIGTERM) can still exit on its own.
  process.channel?.unref();
  return true;
}
