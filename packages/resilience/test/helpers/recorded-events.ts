/** A ResilientClient's events collected into arrays, for assertions on what the layers did. */
import type { ResilienceEventMap, ResilienceEvents } from "../../src/index.js";

export type RecordedEvents = { [K in keyof ResilienceEventMap]: ResilienceEventMap[K][0][] };

export function recordEvents(events: ResilienceEvents): RecordedEvents {
  const recorded: RecordedEvents = {
    attempt: [],
    retry: [],
    giveup: [],
    breaker: [],
    timeout: [],
    fallback: [],
    resume: [],
    continuation: [],
    call: [],
  };
  for (const name of Object.keys(recorded) as (keyof ResilienceEventMap)[]) {
    events.on(name, (event: ResilienceEventMap[typeof name][0]) => {
      (recorded[name] as unknown[]).push(event);
    });
  }
  return recorded;
}
