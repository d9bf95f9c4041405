/**
 * The async paths against emittery, the async event emitter users pick:
 * events per second when the publisher awaits every event.
 *
 * - **baseline**: emittery `await emitter.emit(type, data)` per event, with
 *   1 or 10 async listeners `async () => { counter++ }` (`emit` resolves
 *   once every listener settled).
 * - **emittery events()**: `await emit` per event, read by 1 or 10
 *   `for await` loops over `emitter.events(type)`; timed until every loop
 *   has read every event.
 * - **local bus, async handlers**: `await bus.publish(type, data)` per event
 *   with 1 or 10 handlers `async () => { counter++ }`. `publish` resolves
 *   once the event was dispatched; the handler bodies have no `await`, so
 *   they ran to the end by then (the harness also lets their promises
 *   settle before it checks the count).
 * - **local bus, events()**: `await bus.publish` per event, read by 1 or 10
 *   `for await` loops over `bus.events(type, { overflow: "error" })`; timed
 *   until every loop has read every event (an overflow ends a loop with an
 *   error and fails the round, so no event is silently dropped).
 *
 * Validation is on (the default). Every round checks that each listener,
 * handler or loop saw each event exactly once. Ratio: vs emittery `await
 * emit` with the same number of listeners.
 *
 * Runtime-neutral like `local.ts`: the `runtimes` suite runs these same
 * cases under Node and Bun.
 *
 * @module
 */

import Emittery from "emittery";
import { createLocalEventBus } from "../../mod.ts";
import { type BenchCase, type BenchInstance, suiteCases } from "./harness.ts";
import { catalog, countingWith, payload } from "./local.ts";

const TYPE = "context.updated";
const STALL_MS = 10_000;

function asyncCounting(subscribers: number) {
  return countingWith(
    subscribers,
    // The listener shape the issue names: async, no await inside.
    // deno-lint-ignore require-await
    (counter) => async (_: unknown) => {
      counter.n++;
    },
  );
}

/**
 * Reads `streams` in one `for await` loop each and counts what they read;
 * `until` waits for a total, failing on a loop error or after 10 s.
 */
function readers(streams: AsyncIterable<unknown>[]) {
  let read = 0;
  let taken = 0;
  let goal = Infinity;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const loops = streams.map(async (stream) => {
    try {
      for await (const _ of stream) {
        if (++read >= goal) wake?.();
      }
    } catch (error) {
      failure ??= error;
      wake?.();
    }
  });
  return {
    loops,
    async until(target: number, label: string): Promise<void> {
      if (read < target && failure === undefined) {
        goal = target;
        let timer: ReturnType<typeof setTimeout> | undefined;
        try {
          await new Promise<void>((resolve, reject) => {
            wake = resolve;
            timer = setTimeout(
              () =>
                reject(
                  new Error(`${label}: ${target - read} events not read`),
                ),
              STALL_MS,
            );
          });
        } finally {
          clearTimeout(timer);
          wake = undefined;
          goal = Infinity;
        }
      }
      if (failure !== undefined) throw failure;
    },
    take(): number {
      const n = read - taken;
      taken = read;
      return n;
    },
  };
}

function emitteryEmit(subscribers: number): BenchInstance {
  const { handlers, takeDelivered } = asyncCounting(subscribers);
  const emitter = new Emittery<{ [TYPE]: typeof payload }>();
  for (const h of handlers) emitter.on(TYPE, h);
  return {
    async run(n) {
      for (let i = 0; i < n; i++) await emitter.emit(TYPE, payload);
    },
    takeDelivered,
    close: () => emitter.clearListeners(),
  };
}

function emitteryEvents(subscribers: number): BenchInstance {
  const emitter = new Emittery<{ [TYPE]: typeof payload }>();
  const streams = Array.from(
    { length: subscribers },
    () => emitter.events(TYPE),
  );
  const r = readers(streams);
  let published = 0;
  return {
    async run(n) {
      for (let i = 0; i < n; i++) await emitter.emit(TYPE, payload);
      published += n;
      await r.until(published * subscribers, "emittery events()");
    },
    takeDelivered: () => r.take(),
    async close() {
      emitter.clearListeners();
      await Promise.all(r.loops);
    },
  };
}

function busHandlers(subscribers: number): BenchInstance {
  const { handlers, takeDelivered } = asyncCounting(subscribers);
  const errors: unknown[] = [];
  const bus = createLocalEventBus(catalog, {
    onError: (error) => void errors.push(error),
  });
  for (const h of handlers) bus.subscribe(TYPE, h);
  return {
    async run(n) {
      for (let i = 0; i < n; i++) await bus.publish(TYPE, payload);
    },
    takeDelivered() {
      if (errors.length > 0) throw errors[0];
      return takeDelivered();
    },
    close: () => bus.close(),
  };
}

function busEvents(subscribers: number): BenchInstance {
  const errors: unknown[] = [];
  const bus = createLocalEventBus(catalog, {
    onError: (error) => void errors.push(error),
  });
  const streams = Array.from(
    { length: subscribers },
    () => bus.events(TYPE, { overflow: "error" }),
  );
  const r = readers(streams);
  let published = 0;
  return {
    async run(n) {
      for (let i = 0; i < n; i++) await bus.publish(TYPE, payload);
      published += n;
      await r.until(published * subscribers, "bus events()");
    },
    takeDelivered() {
      if (errors.length > 0) throw errors[0];
      return r.take();
    },
    async close() {
      await bus.close();
      await Promise.all(r.loops);
    },
  };
}

/** Every async case, the emittery `await emit` baseline first per count. */
export function asyncCases(subscriberCounts = [1, 10]): BenchCase[] {
  return suiteCases("async", subscriberCounts, [
    ["async: emittery await emit, async listeners", emitteryEmit],
    ["async: emittery await emit, events() iterators", emitteryEvents],
    ["async: local bus await publish, async handlers", busHandlers],
    ["async: local bus await publish, events() iterators", busEvents],
  ]);
}
