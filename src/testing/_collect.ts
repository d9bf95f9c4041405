// What conformance cases subscribe with most: a handler that keeps every
// event it is given.
import type { CloudEvent } from "../core/envelope.ts";
import type { ConformanceBus } from "./conformance_events.ts";

/**
 * Subscribes `bus` to `pattern`; resolves, once the subscription is ready,
 * with the array each event delivered to it is pushed to.
 */
export async function collect(
  bus: ConformanceBus,
  pattern: Parameters<ConformanceBus["subscribe"]>[0],
): Promise<CloudEvent[]> {
  const got: CloudEvent[] = [];
  await bus.subscribe(pattern, (e) => {
    got.push(e);
  }).ready;
  return got;
}
